import { memo } from "react";
import { DiffView, lineDiff, patchLines } from "./diff-view";
import { LongText } from "./long-text";
import { asText, editDiffs, patchText, toolSummary, type ViewPart } from "./parts";

type Call = Extract<ViewPart, { kind: "tool-call" }>;
type Result = Extract<ViewPart, { kind: "tool-result" }>;

/** A tool call with its result, collapsed to one line; open it for the input (edits as diffs) and the output. */
export const ToolCall = memo(function ToolCall({ call, result }: { call: Call; result?: Result }) {
  const diffs = editDiffs(call.input);
  const patch = diffs.length ? null : patchText(call.input);
  const status = result ? (result.isError ? "error" : "ok") : "pending";
  return (
    <details className="group rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900" data-tool={call.name}>
      <summary className="flex min-w-0 items-center gap-2 px-2.5 py-1.5 text-xs">
        <span aria-hidden className="text-zinc-400 transition-transform group-open:rotate-90">▸</span>
        <span className="shrink-0 rounded bg-zinc-100 px-1.5 py-0.5 font-mono font-medium text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200">{call.name}</span>
        <span className="min-w-0 flex-1 truncate font-mono muted">{toolSummary(call.name, call.input)}</span>
        {status === "error" && <span className="shrink-0 rounded bg-red-100 px-1.5 py-0.5 font-medium text-red-800 dark:bg-red-950 dark:text-red-300">error</span>}
        {status === "pending" && <span className="shrink-0 muted">no result</span>}
      </summary>
      <div className="space-y-2 border-t border-zinc-200 p-2.5 dark:border-zinc-800">
        <section>
          <h4 className="mb-1 text-[11px] font-semibold uppercase tracking-wide muted">Input</h4>
          {diffs.length > 0 ? (
            diffs.map((d, i) => <DiffView key={i} path={d.path} lines={lineDiff(d.before, d.after)} />)
          ) : patch ? (
            <DiffView lines={patchLines(patch)} path="patch" />
          ) : (
            <LongText text={asText(call.input)} label={`${call.name} input`} />
          )}
        </section>
        {result && <ToolOutput result={result} />}
      </div>
    </details>
  );
});

export function ToolOutput({ result }: { result: Result }) {
  return (
    <section>
      <h4 className="mb-1 text-[11px] font-semibold uppercase tracking-wide muted">
        {result.isError ? "Error" : "Output"}
        {result.truncated && <span className="ml-2 font-normal normal-case">(cut by the collector)</span>}
      </h4>
      {result.output ? <LongText text={result.output} tone={result.isError ? "error" : "plain"} label={result.isError ? "Tool error" : "Tool output"} /> : <p className="text-xs muted">(empty)</p>}
    </section>
  );
}

/** A result whose call is not on screen (its call was never synced, or it came alone). */
export function LoneToolResult({ result }: { result: Result }) {
  return (
    <details className="rounded-lg border border-zinc-200 dark:border-zinc-800">
      <summary className="px-2.5 py-1.5 text-xs">
        <span className="font-mono font-medium">{result.isError ? "tool error" : "tool output"}</span>
        <span className="ml-2 muted">{result.output.split("\n")[0]?.slice(0, 120)}</span>
      </summary>
      <div className="border-t border-zinc-200 p-2.5 dark:border-zinc-800">
        <ToolOutput result={result} />
      </div>
    </details>
  );
}
