import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "drainwatch",
  description: "Every Kubernetes pod termination: drain time, SIGKILL after grace, preStop, endpoint lag.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a href="/" className="brand">
            drainwatch
          </a>
          <span className="tagline">pod terminations</span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
