import { config } from "zod";

/**
 * zod compiles object parsers with `new Function` unless told not to, and probes for it when its
 * schemas are built: under the app's Content-Security-Policy (`script-src 'self'`, no eval) that is
 * a CSP violation. The protocol package's schemas are built when a value of it is imported (e.g.
 * `SESSION_SORTS`), so this runs before anything else.
 */
config({ jitless: true });
