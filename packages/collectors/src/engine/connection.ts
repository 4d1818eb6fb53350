import { OpenSyncClient, OpenSyncError } from "@opensync/protocol/client";

export interface ConnectionReport {
  serverUrl: string;
  reachable: boolean;
  version?: string;
  /** Key accepted: true / refused: false / not checked (unreachable or no key): undefined. */
  authorized?: boolean;
  email?: string;
  error?: string;
}

/** Checks `/health`, then the key against an authenticated endpoint. */
export async function checkConnection(serverUrl: string, apiKey: string | undefined): Promise<ConnectionReport> {
  const client = new OpenSyncClient({ baseUrl: serverUrl, apiKey, timeoutMs: 10_000 });
  const report: ConnectionReport = { serverUrl: client.baseUrl, reachable: false };
  try {
    report.version = (await client.health()).version;
    report.reachable = true;
  } catch (err) {
    report.error = (err as Error).message;
    return report;
  }
  if (!apiKey) return report;
  try {
    report.email = (await client.me()).user.email;
    report.authorized = true;
  } catch (err) {
    if (err instanceof OpenSyncError && err.status === 401) report.authorized = false;
    report.error = (err as Error).message;
  }
  return report;
}
