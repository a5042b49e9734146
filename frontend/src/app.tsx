import { AppHeader } from "@/components/app-header";
import { matchRoute, usePathname } from "@/lib/router";
import { NotFoundPage } from "@/pages/not-found-page";
import { routes } from "@/routes";

export function App() {
  const path = usePathname();
  return (
    <div className="app">
      <AppHeader />
      {matchRoute(routes, path) ?? <NotFoundPage />}
    </div>
  );
}
