// metav1.Status bodies for API errors, in the shapes clients switch on (reason and code).

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string }[] };
  code: number;
}

function failure(code: number, reason: string, message: string, details?: StatusBody["details"]): StatusBody {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(plural: string, group: string, name: string): StatusBody {
  return failure(404, "NotFound", `${qualified(plural, group)} "${name}" not found`, { name, group, kind: plural });
}

export function alreadyExists(plural: string, group: string, name: string): StatusBody {
  return failure(409, "AlreadyExists", `${qualified(plural, group)} "${name}" already exists`, { name, group, kind: plural });
}

export function conflict(plural: string, group: string, name: string): StatusBody {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: plural },
  );
}

export function preconditionFailed(message: string): StatusBody {
  return failure(409, "Conflict", message);
}

export function expired(message: string): StatusBody {
  return failure(410, "Expired", message);
}

export function badRequest(message: string): StatusBody {
  return failure(400, "BadRequest", message);
}

export function methodNotAllowed(message: string): StatusBody {
  return failure(405, "MethodNotAllowed", message);
}

export function pathNotFound(path: string): StatusBody {
  return failure(404, "NotFound", `the server could not find the requested resource (${path})`);
}

/** The eviction API's refusal (eviction.go checkAndDecrement: NewTooManyRequests, retry-after 0). */
export function disruptionBudget(message: string): StatusBody {
  return failure(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: "DisruptionBudget", message }] });
}

export function internalError(message: string): StatusBody {
  return failure(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ reason: "", message }] });
}

export function success(code = 200, details?: StatusBody["details"]): StatusBody {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", ...(details ? { details } : {}), code };
}
