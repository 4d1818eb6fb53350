import { describe, expect, it } from "vitest";
import { benchRedaction, createRedactor, REDACTION_KINDS } from "./index.js";

const GHP = ["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"].join("");

describe("createRedactor options", () => {
  it("exposes the active kinds in run order", () => {
    expect(createRedactor().kinds).toEqual(REDACTION_KINDS);
    expect(REDACTION_KINDS[0]).toBe("private-key");
    expect(REDACTION_KINDS.at(-1)).toBe("env-secret");
  });

  it("passes everything through when disabled", () => {
    const redactor = createRedactor({ disabled: true });
    const value = { text: `token ${GHP}` };
    expect(redactor.redactText(value.text)).toBe(value.text);
    expect(redactor.redactValue(value)).toBe(value);
    expect(redactor.kinds).toEqual([]);
  });

  it("skips the kinds listed in disable and ignores unknown names", () => {
    const redactor = createRedactor({ disable: ["env-secret", "no-such-kind"] });
    expect(redactor.kinds).not.toContain("env-secret");
    expect(redactor.redactText(`DB_PASSWORD=hunter2 GH=${GHP}`)).toBe(
      "DB_PASSWORD=hunter2 GH=[REDACTED:github-token]",
    );
  });

  it("runs extra patterns after the built-in ones, whole match or the `secret` group", () => {
    const redactor = createRedactor({
      extra: [
        { kind: "acme-key", regex: /ACME-[0-9]{6}/ },
        { kind: "internal-host", regex: /host=(?<secret>[a-z]+)\.corp/g },
      ],
    });
    expect(redactor.kinds.slice(-2)).toEqual(["acme-key", "internal-host"]);
    expect(redactor.redactText("use ACME-123456 and ACME-654321 on host=vault.corp")).toBe(
      "use [REDACTED:acme-key] and [REDACTED:acme-key] on host=[REDACTED:internal-host].corp",
    );
  });

  it("leaves short strings and ordinary text alone (same string back)", () => {
    const redactor = createRedactor();
    const text = "Refactor the uploader so the checkpoint moves only after the ack.";
    expect(redactor.redactText(text)).toBe(text);
    expect(redactor.redactText("sk-1")).toBe("sk-1");
  });
});

describe("redactValue", () => {
  const redactor = createRedactor();

  const message = {
    sessionExternalId: "s1",
    externalId: "m1",
    role: "assistant",
    textContent: `Cloning with ${GHP}`,
    promptTokens: 120,
    createdAt: 1_700_000_000_000,
    parts: [
      { type: "text", content: "Let me check the config." },
      { type: "reasoning", content: { text: "The .env has DB_PASSWORD=hunter2, do not print it." } },
      {
        type: "tool-call",
        content: {
          toolName: "bash",
          callId: "call_1",
          args: { command: "curl -H 'Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543' https://api.example.com", timeout: 30 },
        },
      },
      {
        type: "tool-result",
        content: { callId: "call_1", output: ["ok", { password: "hunter2", nested: [`token ${GHP}`] }], isError: false },
      },
      { type: "file", content: { path: "/repo/.env", mime: "text/plain" } },
    ],
    metadata: { when: new Date(0) },
  };

  it("redacts strings at any depth and keeps keys, numbers and booleans", () => {
    const out = redactor.redactValue(message);
    expect(out.textContent).toBe("Cloning with [REDACTED:github-token]");
    expect(out.parts[1]!.content).toEqual({ text: "The .env has DB_PASSWORD=[REDACTED:env-secret], do not print it." });
    expect(out.parts[2]!.content).toEqual({
      toolName: "bash",
      callId: "call_1",
      args: { command: "curl -H 'Authorization: Bearer [REDACTED:bearer]' https://api.example.com", timeout: 30 },
    });
    // Keys stay; a secret-named key marks its literal string value as a secret.
    expect(out.parts[3]!.content).toEqual({
      callId: "call_1",
      output: ["ok", { password: "[REDACTED:env-secret]", nested: ["token [REDACTED:github-token]"] }],
      isError: false,
    });
    expect(out.promptTokens).toBe(120);
  });

  it("copies only along changed paths and never mutates the input", () => {
    const before = JSON.stringify(message);
    const out = redactor.redactValue(message);
    expect(JSON.stringify(message)).toBe(before);
    expect(out).not.toBe(message);
    expect(out.parts).not.toBe(message.parts);
    expect(out.parts[0]).toBe(message.parts[0]);
    expect(out.parts[4]).toBe(message.parts[4]);
    expect(out.parts[3]!.content).not.toBe(message.parts[3]!.content);
    expect(out.metadata).toBe(message.metadata);
    expect(out.metadata.when).toBeInstanceOf(Date);
  });

  it("uses secret-named keys as context, but not references, empty values or non-secret names", () => {
    const args = {
      apiKey: "a8f5f167f44f",
      OPENAI_API_KEY: "${OPENAI_API_KEY}",
      password: "",
      db_password: "hunter2",
      eos_token: "</s>",
      nextPageToken: "CAUQAA",
      max_tokens: "4096",
      tokenizer: "cl100k_base",
      headers: { "x-api-key": "k-123", Authorization: "Bearer 8f14e45fceea167a5a36dedd4bea2543" },
    };
    expect(redactor.redactValue(args)).toEqual({
      apiKey: "[REDACTED:env-secret]",
      OPENAI_API_KEY: "${OPENAI_API_KEY}",
      password: "",
      db_password: "[REDACTED:env-secret]",
      eos_token: "</s>",
      nextPageToken: "CAUQAA",
      max_tokens: "4096",
      tokenizer: "cl100k_base",
      headers: { "x-api-key": "[REDACTED:env-secret]", Authorization: "Bearer [REDACTED:bearer]" },
    });
    expect(createRedactor({ disable: ["env-secret"] }).redactValue({ password: "hunter2" })).toEqual({ password: "hunter2" });
  });

  it("returns the same reference when nothing needs redacting", () => {
    const clean = { a: ["x", { b: "plain text", c: 1, d: null, e: true }] };
    expect(redactor.redactValue(clean)).toBe(clean);
    expect(redactor.redactValue("plain")).toBe("plain");
    expect(redactor.redactValue(42)).toBe(42);
    expect(redactor.redactValue(null)).toBe(null);
  });
});

describe("benchRedaction", () => {
  it("returns a positive throughput (no timing assertion)", () => {
    expect(benchRedaction({ megabytes: 0.2, passes: 1 })).toBeGreaterThan(0);
  });
});

describe("env-secret starts at its first trigger (issue 8)", () => {
  it("redacts a name whose start precedes the trigger, far into a long text, and after another detector changed the text", () => {
    const redactor = createRedactor();
    const noise = "ok 12 passed, 0 failed → ✓\n".repeat(3000);
    const out = redactor.redactText(`${noise}export DB_PASSWORD=hunter22\n${noise}`);
    expect(out).not.toContain("hunter22");
    expect(out).toContain("export DB_PASSWORD=");
    const both = redactor.redactText(`${noise}GH=ghp_${"a".repeat(36)} then SECRET_TOKEN=s3cr3tvalue9\n`);
    expect(both).not.toContain("s3cr3tvalue9");
    expect(both).not.toContain("ghp_aaaa");
  });
});
