// The watch-event envelope of contract section 1, parsed at the edge with zod:
// `type` one of the watch types, `object` a JSON object, `at` an optional RFC 3339 time.
import { z } from "zod";
import { WATCH_TYPES, type Fact } from "../tracker/fact.ts";

const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const watchEventSchema = z.object({
  type: z.enum(WATCH_TYPES),
  object: z.custom<Record<string, unknown>>(isJsonObject, { message: "expected a JSON object" }),
  at: z
    .string()
    .regex(RFC3339, { message: "expected an RFC 3339 time" })
    .transform((s, ctx) => {
      const ms = Date.parse(s);
      if (!Number.isFinite(ms)) {
        ctx.addIssue({ code: "custom", message: "expected an RFC 3339 time" });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
});

export type EnvelopeResult = { ok: true; fact: Fact } | { ok: false; reason: string };

/** Validates one decoded JSON value as a watch event. Never throws. */
export function parseEnvelope(value: unknown): EnvelopeResult {
  const r = watchEventSchema.safeParse(value);
  if (r.success) {
    return { ok: true, fact: { at: r.data.at ?? null, type: r.data.type, object: r.data.object } };
  }
  const reason = r.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "event"}: ${i.message}`)
    .join("; ");
  return { ok: false, reason: `invalid watch event: ${reason}` };
}
