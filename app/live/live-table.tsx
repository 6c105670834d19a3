"use client";
// Pods terminating now: each a progress bar from the delete request to the SIGKILL deadline with
// what has happened so far, and the seconds left counting down. Ticks every 250 ms on the data's
// own clock (offset from `observedAt`), and asks the server for fresh rows every 2 s.
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { InFlight } from "../../lib/store/inflight-types.ts";
import { secondsNumber, signedSeconds } from "../_ui/format.ts";
import { REFRESH_MS } from "./refresh.ts";


function at(iso: string | null): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

export function LiveTable({ items }: { items: InFlight[] }) {
  const router = useRouter();
  const [browserNow, setBrowserNow] = useState(() => Date.now());
  // Browser clock at the moment the rows arrived, to move the data's clock forward from observedAt.
  const [arrived, setArrived] = useState(() => Date.now());
  useEffect(() => setArrived(Date.now()), [items]);
  useEffect(() => {
    const tick = setInterval(() => setBrowserNow(Date.now()), 250);
    const refresh = setInterval(() => router.refresh(), REFRESH_MS);
    return () => {
      clearInterval(tick);
      clearInterval(refresh);
    };
  }, [router]);

  if (items.length === 0) {
    return (
      <div className="notice" data-testid="live-empty">
        No pod is terminating right now. This list updates by itself every {REFRESH_MS / 1000} s; start a rollout
        (<code>kubectl rollout restart deployment/…</code>) to watch its pods drain here.
      </div>
    );
  }
  return (
    <div className="table-wrap">
      <table className="cards" data-testid="live">
        <thead>
          <tr>
            <th>Pod</th>
            <th style={{ width: "40%" }}>Request → SIGKILL deadline</th>
            <th>So far</th>
            <th className="num">Left</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => {
            const now = (at(p.observedAt) ?? Date.now()) + (browserNow - arrived);
            const start = at(p.deleteRequestedAt) ?? now;
            const deadline = at(p.deadlineAt);
            const total = deadline !== null ? Math.max(deadline - start, 1) : null;
            const frac = total !== null ? Math.min((now - start) / total, 1) : null;
            const left = deadline !== null ? (deadline - now) / 1000 : null;
            const mark = (iso: string | null, cls: string, title: string) => {
              const t = at(iso);
              return t !== null && total !== null ? <span className={`mark ${cls}`} style={{ left: `${Math.min((100 * (t - start)) / total, 100)}%` }} title={title} /> : null;
            };
            const happened = [
              p.endpointsUnreadyAt ? `unready ${signedSeconds(((at(p.endpointsUnreadyAt) ?? start) - start) / 1000)}` : "still in endpoints",
              p.killingAt ? `Killing ${signedSeconds(((at(p.killingAt) ?? start) - start) / 1000)}` : null,
              ...p.containers
                .filter((c) => c.finishedAt !== null)
                .map((c) => `${c.name} exited ${c.exitCode ?? "?"} ${signedSeconds(((at(c.finishedAt) ?? start) - start) / 1000)}`),
            ].filter((s): s is string => s !== null);
            return (
              <tr key={`${p.cluster}/${p.podUid}`} data-pod-uid={p.podUid}>
                <td className="name">
                  {p.pod}
                  <span className="sub">
                    {p.namespace} · {p.workload.kind}/{p.workload.name}
                    {p.cause ? ` · ${p.cause}` : ""}
                  </span>
                </td>
                <td className="progress-cell">
                  {frac !== null ? (
                    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label="time used of the grace period">
                      <span className={`fill${left !== null && left < 5 ? " late" : ""}`} style={{ width: `${frac * 100}%` }} />
                      {mark(p.endpointsUnreadyAt, "", "endpoints unready")}
                      {mark(p.killingAt, "", "Killing")}
                      {p.containers.map((c) => (c.outcome ? <span key={c.name}>{mark(c.finishedAt, `o-${c.outcome}`, `${c.name} exited`)}</span> : null))}
                    </div>
                  ) : (
                    <span className="muted">no deadline (kubelet-initiated)</span>
                  )}
                  <span className="sub">grace {p.gracePeriodSeconds ?? "?"} s</span>
                </td>
                <td className="wrap muted" data-label="so far">
                  {happened.join(" · ")}
                </td>
                <td className="num" data-testid="left" data-label="left">
                  {left === null ? "—" : left >= 0 ? `${secondsNumber(left)} s` : <span className="over">past by {secondsNumber(-left)} s</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
