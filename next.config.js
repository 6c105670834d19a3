/** @type {import('next').NextConfig} */
const nextConfig = {
  // Pages call the store's queries directly and share the store that `serve` opened (lib/store/db.ts,
  // remembered on globalThis); the drivers and the schema engine stay plain Node packages, never
  // bundled into a second copy.
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "@prisma/driver-adapter-utils",
    "pg",
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "prom-client",
    "pino",
  ],
  poweredByHeader: false,
  // `npm test` type-checks the whole tree with tsc; the build need not do it again (and must not
  // fail the UI over a type error in a test file).
  typescript: { ignoreBuildErrors: true },
};
export default nextConfig;
