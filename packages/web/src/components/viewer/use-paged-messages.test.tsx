import { act, renderHook, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import type { Message, MessagePage } from "@opensync/protocol";
import { type PageParam, usePagedMessages } from "./use-paged-messages";

const message = (n: number) => ({ id: String(n), role: "user", textContent: `m${n}`, parts: [] }) as unknown as Message;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => message(from + i));

/** A session of messages 0..999 served in pages whose answers the test releases one by one. */
function slowServer() {
  const waiting: { param: PageParam; release: () => void }[] = [];
  const page = (from: number, to: number): MessagePage => ({
    session: { id: "s" } as MessagePage["session"],
    messages: range(from, to),
    prevCursor: from > 0 ? `c${from}` : null,
    nextCursor: to < 1000 ? `n${to}` : null,
    total: 1000,
  });
  const fetchPage = (param: PageParam & { limit: number }) =>
    new Promise<MessagePage>((resolve) => {
      const answer = () => {
        if (param.around) return resolve(page(475, 525));
        const at = Number(param.cursor!.slice(1));
        resolve(param.cursor!.startsWith("c") ? page(at - param.limit, at) : page(at, at + param.limit));
      };
      waiting.push({ param, release: answer });
    });
  const releaseNext = async () => {
    await waitFor(() => expect(waiting.length).toBeGreaterThan(0));
    await act(async () => waiting.shift()!.release());
  };
  return { fetchPage, waiting, releaseNext };
}

/** The hook on a deep link to message 500, its first page (475..524) loaded. */
async function mountLoaded(server: ReturnType<typeof slowServer>) {
  const qc = new QueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
  const hook = renderHook(() => usePagedMessages(["t"], server.fetchPage, "500"), { wrapper });
  await server.releaseNext();
  await waitFor(() => expect(hook.result.current.messages).toHaveLength(50));
  return hook;
}

describe("usePagedMessages: a page the reader asked for is never dropped", () => {
  it("'load earlier' during a prefetch of the next page waits for it, then loads the earlier page", async () => {
    const server = slowServer();
    const { result } = await mountLoaded(server);

    act(() => result.current.loadMore());
    await waitFor(() => expect(server.waiting).toHaveLength(1));
    act(() => result.current.loadEarlier());
    expect(result.current.loadingEarlier).toBe(true);
    expect(server.waiting).toHaveLength(1); // not fetched alongside, and the prefetch not cancelled
    await server.releaseNext();
    await waitFor(() => expect(result.current.messages.at(-1)?.id).toBe("674"));
    await server.releaseNext();
    await waitFor(() => expect(result.current.messages[0]?.id).toBe("325"));
    expect(result.current.messages).toHaveLength(350);
    expect(result.current.loadingEarlier).toBe(false);
  });

  it("a prefetch asked for while an earlier page loads does not cancel it", async () => {
    const server = slowServer();
    const { result } = await mountLoaded(server);

    act(() => result.current.loadEarlier());
    await waitFor(() => expect(server.waiting).toHaveLength(1));
    act(() => result.current.loadMore());
    expect(server.waiting).toHaveLength(1);
    await server.releaseNext();
    await waitFor(() => expect(result.current.messages[0]?.id).toBe("325"));
    expect(result.current.loadingEarlier).toBe(false);
    // Once the earlier page has landed, the prefetch may go.
    act(() => result.current.loadMore());
    await server.releaseNext();
    await waitFor(() => expect(result.current.messages.at(-1)?.id).toBe("674"));
    expect(result.current.messages).toHaveLength(350);
  });
});
