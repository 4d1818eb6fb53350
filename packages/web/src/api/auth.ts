import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, isUnauthorized } from "./client";
import { keys } from "./keys";

/** Sign-in endpoints, through the typed client (the server sets and clears the session cookie). */
export const authApi = {
  login: (email: string, password: string) => client.login({ email, password }),
  claim: (token: string, email: string, password: string, name?: string) => client.claim({ token, email, password, name: name || undefined }),
  logout: () => client.logout(),
  signup: (email: string, password: string, name?: string) => client.signup({ email, password, name: name || undefined }),
  status: () => client.authStatus(),
};

/** The signed-in user; `null` when signed out (a 401), an error for anything else. */
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => {
      try {
        return (await client.me()).user;
      } catch (err) {
        if (isUnauthorized(err)) return null;
        throw err;
      }
    },
    staleTime: 60_000,
    retry: (count, err) => !isUnauthorized(err) && count < 2,
  });
}

export function useAuthStatus() {
  return useQuery({ queryKey: keys.authStatus, queryFn: authApi.status, staleTime: 30_000 });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ email, password }: { email: string; password: string }) => authApi.login(email, password),
    onSuccess: ({ user }) => {
      qc.clear();
      qc.setQueryData(keys.me, user);
    },
  });
}

/** `POST /api/auth/signup`, offered only while the server's sign-up is open. */
export function useSignup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ email, password, name }: { email: string; password: string; name?: string }) => authApi.signup(email, password, name),
    onSuccess: ({ user }) => {
      qc.clear();
      qc.setQueryData(keys.me, user);
    },
  });
}

export function useClaim() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { token: string; email: string; password: string; name?: string }) =>
      authApi.claim(input.token, input.email, input.password, input.name),
    onSuccess: ({ user }) => {
      qc.clear();
      qc.setQueryData(keys.me, user);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: authApi.logout,
    onSuccess: () => {
      qc.clear();
      qc.setQueryData(keys.me, null);
    },
  });
}
