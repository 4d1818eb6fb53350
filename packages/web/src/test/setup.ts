import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// Testing Library unmounts between tests only when globals are on; we keep globals off.
afterEach(() => cleanup());
