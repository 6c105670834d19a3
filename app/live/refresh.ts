// How often /live asks the server for fresh rows (shared by the server page and its client parts).
export const REFRESH_MS = 2000;
