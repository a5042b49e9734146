/** The header on every page: brand, navigation, the signed-in user and logout. */
import { useEffect, useState, type MouseEvent } from "react";
import { api, readCookie } from "@/lib/api";
import { navigate, usePathname } from "@/lib/router";
import type { Me } from "@/lib/types";

function NavLink({ to, children, active }: { to: string; children: string; active: boolean }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={active ? "active" : undefined} aria-current={active ? "page" : undefined}>
      {children}
    </a>
  );
}

export function AppHeader() {
  const path = usePathname();
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    api.me().then(setMe, () => setMe(null));
  }, []);
  return (
    <header className="app-header">
      <a className="brand" href="/" onClick={(e) => (e.preventDefault(), navigate("/"))}>
        <span className="brand-mark">◆</span> NetBuilder
      </a>
      <nav className="app-nav">
        <NavLink to="/" active={path === "/"}>
          Builder
        </NavLink>
        <NavLink to="/runs/" active={path.startsWith("/runs")}>
          Runs
        </NavLink>
        <NavLink to="/sweeps/" active={path.startsWith("/sweeps")}>
          Sweeps
        </NavLink>
      </nav>
      <span className="spacer" />
      {me && (
        <span className="user" data-testid="username">
          {me.username}
        </span>
      )}
      <form method="post" action="/accounts/logout/" className="logout-form">
        <input type="hidden" name="csrfmiddlewaretoken" value={readCookie("csrftoken") ?? ""} />
        <button type="submit" className="ghost" data-testid="logout">
          Log out
        </button>
      </form>
    </header>
  );
}
