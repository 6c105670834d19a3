// A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it; callers that bind later
// retry on EADDRINUSE, see test/helpers/prometheus.ts).
import net from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
