import type { Locator, Page } from "playwright-core";

/**
 * Opens the command palette with Ctrl+K and returns its input. The palette is its own chunk,
 * mounted after the page: a press before it has loaded does nothing, so the press is repeated
 * until the palette answers.
 */
export async function openPalette(page: Page): Promise<Locator> {
  const input = page.getByRole("combobox", { name: "Search sessions, pages and actions" });
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Control+k");
    try {
      await input.waitFor({ state: "visible", timeout: 250 });
      return input;
    } catch {
      // A second press would close an opening palette: check once more before pressing again.
      if (await input.isVisible()) return input;
    }
  }
  throw new Error("the command palette did not open on Ctrl+K");
}
