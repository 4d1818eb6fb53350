import { describe, expect, it } from "vitest";
import { camelParts, deriveTerms } from "./code-terms.js";
import { anyOf, meaningful, parseQuery, termCost, toFts5 } from "./query.js";

describe("parseQuery + toFts5", () => {
  const fts = (q: string) => toFts5(parseQuery(q));
  it("an identifier is one word: whole in the text or a piece in `terms`", () => {
    expect(fts("useSessionStore")).toBe(`"usesessionstore"`);
    expect(fts("SessionStore")).toBe(`"sessionstore"`);
  });
  it("paths, snake_case and Class.method typed whole are one run of words in `terms`", () => {
    expect(fts("src/lib/auth.ts")).toBe(`terms : "srclibauthts"`);
    expect(fts("snake_case_name")).toBe(`terms : "snakecasename"`);
    expect(fts("RateLimiter.acquire")).toBe(`terms : "ratelimiteracquire"`);
    // Longer than a run, or with a number in it: the phrase, with the pairs it has.
    expect(fts("a/b/c/d/e/f/g")).toBe(`("a b c d e f g" AND terms : ("ab" AND "bc" AND "cd" AND "de" AND "ef" AND "fg"))`);
    expect(fts("lib/v1.2/x")).toBe(`("lib v1 2 x" AND terms : ("libv1"))`);
    expect(fts("127.0.0.1")).toBe(`"127 0 0 1"`);
  });
  it("error codes and plain words are words", () => {
    expect(fts("ECONNREFUSED TS2345")).toBe(`"econnrefused" AND "ts2345"`);
  });
  it("flags ask for the derived flag word in `terms`, not the word", () => {
    expect(fts("--force")).toBe(`terms : "dashdashforce"`);
    expect(fts("-rf")).toBe(`terms : "dashrf"`);
    expect(fts("--force-with-lease")).toBe(`terms : "dashdashforcewithlease"`);
  });
  it("quoted phrases and prefixes", () => {
    expect(fts(`"cannot read properties" useSess*`)).toBe(`"cannot read properties" AND "usesess" *`);
    expect(fts("src/li*")).toBe(`"src li" *`);
    expect(fts("src/lib/au*")).toBe(`("src lib au" * AND terms : ("srclib"))`);
    expect(fts(`"cd src/lib"`)).toBe(`("cd src lib" AND terms : ("srclib"))`);
  });
  it("sentence punctuation and FTS5 syntax in the input are never operators", () => {
    // Quoted phrases are taken first.
    expect(fts(`limiting. (NEAR) "AND" OR`)).toBe(`"and" AND "limiting" AND "near" AND "or"`);
    expect(toFts5(parseQuery(`"" *** ---`))).toBeNull();
  });
  it("questions drop stopwords; anyOf is null when it would be the same query", () => {
    const q = parseQuery("where did I set up rate limiting");
    expect(toFts5(meaningful(q))).toBe(`"set" AND "rate" AND "limiting"`);
    expect(toFts5(anyOf(q)!, "any")).toBe(`"set" OR "rate" OR "limiting"`);
    expect(anyOf(parseQuery("useSessionStore"))).toBeNull();
    expect(anyOf(parseQuery("the useSessionStore"))).toBeNull();
  });
});

describe("code terms", () => {
  it("cuts identifiers at case changes, never at digits", () => {
    expect(camelParts("useSessionStore")).toEqual(["use", "Session", "Store"]);
    expect(camelParts("HTTPServer")).toEqual(["HTTP", "Server"]);
    expect(camelParts("parseJSON")).toEqual(["parse", "JSON"]);
    expect(camelParts("TS2345")).toEqual(["TS2345"]);
    expect(camelParts("v8Isolate")).toEqual(["v8", "Isolate"]);
  });
  it("derives identifier pieces once per document and a word per flag", () => {
    expect(deriveTerms("useSessionStore(); useSessionStore(); rm -rf node_modules && npm i --force; a-b x=--dry-run").split("\n")).toEqual([
      "use Session Store useSession SessionStore", "dashrf", "dashdashforce", "dashdashdryrun", "nodemodules ab dryrun",
    ]);
    expect(deriveTerms("see src/lib/auth.ts and v1.2.3 at 127.0.0.1:5432")).toBe("srclib srclibauth srclibauthts libauth libauthts authts");
    expect(deriveTerms("plain prose - with dashes and ECONNREFUSED")).toBe("");
  });
  it("tells which terms FTS5 checks positions for, which it merges as a prefix", () => {
    const cost = (q: string) => parseQuery(q).terms.map(termCost);
    expect(cost('"null value" src/lib/auth.ts snake_case_name')).toEqual(["positions", "none", "none"]);
    expect(cost("session* src/lib/au*")).toEqual(["prefix", "prefix"]);
    expect(cost("useSessionStore --force test")).toEqual(["none", "none", "none"]);
    // A path longer than the runs kept in `terms` is still a phrase.
    expect(cost("a/b/c/d/e/f/g/h.ts")).toEqual(["positions"]);
  });
});
