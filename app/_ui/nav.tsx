"use client";
// The top navigation; marks the current section (aria-current) from the path.
import Link from "next/link";
import { usePathname } from "next/navigation";

const SECTIONS = [
  { href: "/", label: "Overview", match: (p: string) => p === "/" },
  { href: "/workloads", label: "Workloads", match: (p: string) => p.startsWith("/workloads") },
  { href: "/terminations", label: "Terminations", match: (p: string) => p.startsWith("/terminations") },
  { href: "/live", label: "Live", match: (p: string) => p.startsWith("/live") },
] as const;

export function Nav() {
  const path = usePathname() ?? "/";
  return (
    <nav className="nav" aria-label="Sections">
      {SECTIONS.map((s) => (
        <Link key={s.href} href={s.href} prefetch={false} aria-current={s.match(path) ? "page" : undefined}>
          {s.label}
        </Link>
      ))}
    </nav>
  );
}
