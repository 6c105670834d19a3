// A TCP proxy on 127.0.0.1 that a test can cut, to put a network partition between one client and
// a server: cut() drops every open connection and black-holes new ones (accepted, never answered,
// as a partition looks to the client: its requests hang until their own timeout); heal() lets
// connections through again.
import net from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  cut(): void;
  heal(): void;
  /** Connections accepted so far (passed or black-holed). */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  let cut = false;
  let accepted = 0;
  const open = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = net.createServer((client) => {
    accepted++;
    track(client);
    if (cut) return; // black hole: read nothing, answer nothing
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dropAll = (): void => {
    for (const s of open) s.destroy();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cut() {
      cut = true;
      dropAll();
    },
    heal() {
      cut = false;
      dropAll(); // black-holed connections go; the client reconnects through the open path
    },
    connections: () => accepted,
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
