import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";
import { safeUrl } from "./safe-url";

describe("safeUrl", () => {
  it("keeps http(s), mailto, relative links and fragments", () => {
    for (const url of ["https://example.com/a?b=c", "http://x.test", "mailto:a@b.c", "/sessions/1", "docs/x.md", "#m-1", "?q=1"]) expect(safeUrl(url)).toBe(url);
  });
  it("drops script-capable and local schemes, however they are disguised", () => {
    for (const url of ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)", "\u0001javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"]) {
      expect(safeUrl(url), url).toBeUndefined();
    }
  });
});

describe("Markdown", () => {
  it("renders Markdown structure: headings, lists, inline code, fenced code", () => {
    const { container } = render(<Markdown text={"# Title\n\n- one\n- two\n\nUse `npm test`.\n\n```ts\nconst a = 1;\n```"} />);
    expect(container.querySelector("h1")?.textContent).toBe("Title");
    expect(container.querySelectorAll("li")).toHaveLength(2);
    expect(container.querySelector("p code")?.textContent).toBe("npm test");
    expect(container.querySelector("pre code")?.textContent).toBe("const a = 1;");
  });

  it("never turns raw HTML into elements: script, event handlers, SVG, iframes, a closing textarea", () => {
    const payload = [
      "<script>window.__pwned = 1</script>",
      '<img src=x onerror="window.__pwned = 2">',
      '<svg><script>window.__pwned = 3</script></svg>',
      '<iframe src="javascript:window.__pwned=4"></iframe>',
      "</textarea><script>window.__pwned = 5</script>",
      '<a href="javascript:window.__pwned=6">html link</a>',
      '<div onclick="window.__pwned = 7">click</div>',
    ].join("\n\n");
    const { container } = render(<Markdown text={payload} />);
    for (const tag of ["script", "img", "svg", "iframe", "textarea", "div[onclick]", "a"]) expect(container.querySelector(tag), tag).toBeNull();
    expect(container.innerHTML).not.toMatch(/onerror|onclick|javascript:/i);
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("drops unsafe link targets from Markdown links and keeps safe ones", () => {
    const { container } = render(<Markdown text={"[bad](javascript:alert(1)) [data](data:text/html,x) [good](https://example.com/) [mail](mailto:a@b.c)"} />);
    const links = [...container.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://example.com/", "mailto:a@b.c"]);
    expect(container.textContent).toContain("bad");
    for (const a of links) expect(a.getAttribute("rel")).toContain("noopener");
  });

  it("shows images as links (no remote image is loaded) and drops unsafe image sources", () => {
    const { container } = render(<Markdown text={"![chart](https://example.com/c.png) ![x](javascript:alert(1))"} />);
    expect(container.querySelector("img")).toBeNull();
    expect([...container.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual(["https://example.com/c.png"]);
    expect(container.textContent).toContain("[image: x]");
  });
});
