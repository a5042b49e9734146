/** A link inside the app: a plain click navigates without a reload; a modified click opens as usual. */
import { memo, type MouseEvent, type ReactNode } from "react";
import { navigate } from "@/lib/router";

export interface AppLinkProps {
  to: string;
  children: ReactNode;
  className?: string;
  title?: string;
  testId?: string;
}

function AppLinkView({ to, children, className, title, testId }: AppLinkProps) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className} title={title} data-testid={testId}>
      {children}
    </a>
  );
}

export const AppLink = memo(AppLinkView);
