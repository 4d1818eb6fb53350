import { QueryCache, QueryClient, QueryClientProvider, MutationCache } from "@tanstack/react-query";
import { createBrowserRouter, RouterProvider, type RouteObject } from "react-router";
import { isClientError, isNetworkError, isUnauthorized } from "./api/client";
import { setConnection } from "./api/connection";
import { keys } from "./api/keys";
import { RequireAuth } from "./components/layout/require-auth";
import { ErrorState } from "./components/ui/states";

/** Each page is its own chunk (code-split per route): `/` loads only what the overview needs. */
const page = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, "lazy"> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

export function createQueryClient(): QueryClient {
  const onError = (err: unknown) => {
    if (isNetworkError(err)) setConnection("offline");
    // The cookie expired mid-session: re-ask who we are; the guard then shows the login page.
    if (isUnauthorized(err)) void queryClient.invalidateQueries({ queryKey: keys.me });
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // A 4xx will answer the same again; network errors and 5xx get two more tries.
        retry: (count, err) => !isClientError(err) && count < 2,
      },
    },
  });
  return queryClient;
}

export const routes: RouteObject[] = [
  { path: "/login", ...page(() => import("./routes/login/page")) },
  { path: "/claim", ...page(() => import("./routes/claim/page")) },
  { path: "/s/:slug", ...page(() => import("./routes/public/page")) },
  {
    element: <RequireAuth />,
    errorElement: <RouteError />,
    children: [
      { path: "/", ...page(() => import("./routes/overview/page")) },
      { path: "/sessions", ...page(() => import("./routes/sessions/page")) },
      { path: "/sessions/:id", ...page(() => import("./routes/session/page")) },
      { path: "/search", ...page(() => import("./routes/search/page")) },
      { path: "/context", ...page(() => import("./routes/context/page")) },
      { path: "/analytics", ...page(() => import("./routes/analytics/page")) },
      { path: "/wrapped", ...page(() => import("./routes/wrapped/page")) },
      { path: "/settings", ...page(() => import("./routes/settings/page")) },
      { path: "/docs", ...page(() => import("./routes/docs/page")) },
      { path: "*", ...page(() => import("./routes/not-found/page")) },
    ],
  },
];

function RouteError() {
  return (
    <div className="mx-auto max-w-md p-6">
      <ErrorState title="This page failed to load" error={new Error("Reload the page to try again (the app may have been updated).")} retry={() => window.location.reload()} />
    </div>
  );
}

export function App({ queryClient }: { queryClient: QueryClient }) {
  const router = createBrowserRouter(routes);
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
