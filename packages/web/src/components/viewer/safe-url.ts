/**
 * Links and images in session text are written by agents that read untrusted pages: only schemes
 * that cannot run anything survive. Anything else (`javascript:`, `data:`, `vbscript:`, `file:`,
 * obfuscated variants with control characters or entities) becomes `undefined`, so the element
 * renders without the attribute.
 */
const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);

export function safeUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  // Browsers ignore ASCII control characters and whitespace inside a scheme ("java\tscript:").
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  if (!compact) return undefined;
  // Relative links and fragments have no scheme: a ':' only after '/', '?' or '#'.
  const schemeEnd = compact.search(/[:/?#]/);
  if (schemeEnd === -1 || compact[schemeEnd] !== ":") return url.trim();
  const scheme = compact.slice(0, schemeEnd + 1).toLowerCase();
  return SAFE_SCHEMES.has(scheme) ? url.trim() : undefined;
}
