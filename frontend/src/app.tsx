import { AppHeader } from "@/components/app-header";
import { ErrorBoundary } from "@/components/error-boundary";
import { matchRoute, usePathname } from "@/lib/router";
import { NotFoundPage } from "@/pages/not-found-page";
import { routes } from "@/routes";

export function App() {
  const path = usePathname();
  return (
    <div className="app">
      <AppHeader />
      <ErrorBoundary>{matchRoute(routes, path) ?? <NotFoundPage />}</ErrorBoundary>
    </div>
  );
}
