import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { Nav } from "./_ui/nav.tsx";
import { SourceBanner, SourceLine } from "./source-banner.tsx";
import "./globals.css";

// Every page reads the store and the process's source at request time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "drainwatch", template: "%s · drainwatch" },
  description: "Every Kubernetes pod termination: drain time, SIGKILL after grace, preStop, endpoint lag.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, colorScheme: "light dark" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="top">
          <Link href="/" className="brand" prefetch={false}>
            drainwatch
          </Link>
          <Nav />
          <SourceLine />
        </header>
        <SourceBanner />
        <main id="main">{children}</main>
      </body>
    </html>
  );
}
