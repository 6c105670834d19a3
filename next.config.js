/** @type {import('next').NextConfig} */
const nextConfig = {
  // The store (Prisma, pg, PGlite) lives in the drainwatch process; pages reach it through
  // lib/readers, never by bundling a second copy of the drivers.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "@electric-sql/pglite", "pglite-prisma-adapter"],
  poweredByHeader: false,
  // `npm test` type-checks the whole tree with tsc; the build need not do it again (and must not
  // fail the UI over a type error in a test file).
  typescript: { ignoreBuildErrors: true },
};
export default nextConfig;
