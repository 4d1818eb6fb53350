import type { ReindexBody } from "@opensync/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "./client";
import { keys } from "./keys";

export function useApiKeys() {
  return useQuery({ queryKey: keys.apiKeys, queryFn: async () => (await client.listKeys()).keys });
}

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => client.createKey(name),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.apiKeys }),
  });
}

export function useRevokeKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => client.revokeKey(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.apiKeys }),
  });
}

export function useApiLogs(limit = 100) {
  return useQuery({ queryKey: [...keys.apiLogs, limit], queryFn: async () => (await client.myLogs(limit)).logs });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: ({ newPassword, currentPassword }: { newPassword: string; currentPassword?: string }) =>
      client.changePassword(newPassword, currentPassword || undefined),
  });
}

export function useDeleteMyData() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => client.deleteMyData(),
    onSuccess: () => void qc.invalidateQueries(),
  });
}

export function useSearchStatus(pollMs?: number) {
  return useQuery({ queryKey: keys.searchStatus, queryFn: () => client.searchStatus(), retry: false, refetchInterval: pollMs });
}

/** Owner: queue a full-text rebuild and/or re-embedding; the status query follows the progress. */
export function useReindex() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ReindexBody) => client.reindex(body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.searchStatus }),
  });
}

export function useUsers(enabled: boolean) {
  return useQuery({ queryKey: keys.users, queryFn: async () => (await client.listUsers()).users, enabled });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string; name?: string }) => client.createUser(input),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.users }),
  });
}

export function useDeleteUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => client.deleteUser(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.users }),
  });
}

/** `DELETE /api/me`: the account and everything it owns. */
export function useDeleteAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => client.deleteAccount(),
    onSuccess: () => {
      qc.clear();
      qc.setQueryData(keys.me, null);
    },
  });
}
