import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "./dialog";

describe("ConfirmDialog", () => {
  it("with a confirmation text, stays disabled until it is typed exactly", async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    render(<ConfirmDialog open title="Delete all your data?" body="Gone for good." confirmLabel="Delete all data" confirmText="delete my data" onConfirm={onConfirm} onClose={() => undefined} />);
    const button = screen.getByRole("button", { name: "Delete all data" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await user.type(screen.getByLabelText(/Type/), "delete my dat");
    expect(button.disabled).toBe(true);
    await user.click(button);
    expect(onConfirm).not.toHaveBeenCalled();
    await user.type(screen.getByLabelText(/Type/), "a");
    expect(button.disabled).toBe(false);
    await user.click(button);
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
  it("shows the error of a failed attempt and cancels without confirming", async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    const onClose = vi.fn();
    render(<ConfirmDialog open title="Revoke?" body="Stops at once." confirmLabel="Revoke key" error="HTTP 500" onConfirm={onConfirm} onClose={onClose} />);
    expect(screen.getByRole("alert").textContent).toBe("HTTP 500");
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();
  });
});
