// Checks every rendered Kubernetes object against the upstream OpenAPI schema. The validators are
// the precompiled ones shipped by kubernetes-models (core kinds, generated from the Kubernetes
// OpenAPI spec) and its CRD packages (generated from the projects' own CRDs), not hand-written.
import { SECRET_TEXT, isKubernetesObject, manifestOf, type Plan } from "./plan";

/** API group -> npm package holding its models. "" is the core group (apiVersion "v1"). */
const GROUP_PACKAGES: Record<string, string> = {
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};
const CORE_PACKAGE = "kubernetes-models";

export interface SchemaProblem {
    kind: string;
    /** namespace/name, or just the name for cluster-scoped objects. */
    object: string;
    /** Where in the object, dotted (spec.template.spec.containers[0].name); "" for the root. */
    path: string;
    /** The schema rule, e.g. "must be integer". */
    message: string;
    /** The failing keyword's location in the schema, e.g. "#/properties/replicas/type". */
    schemaPath: string;
}

interface AjvError {
    instancePath: string;
    schemaPath: string;
    keyword: string;
    message?: string;
    params?: Record<string, unknown>;
}

interface ModelClass {
    new (data: Record<string, unknown>): { validate(): void };
}

const modelCache = new Map<string, ModelClass | null>();

/** The model class for apiVersion/kind, or null when no installed package describes it. */
export function modelFor(apiVersion: string, kind: string): ModelClass | null {
    const id = `${apiVersion}/${kind}`;
    if (modelCache.has(id)) return modelCache.get(id) ?? null;
    let model: ModelClass | null = null;
    // Only well-formed names reach require(): they come from the plan, but stay defensive.
    if (/^([a-z0-9.-]+\/)?v[a-z0-9]+$/.test(apiVersion) && /^[A-Za-z0-9]+$/.test(kind)) {
        const [group, version] = apiVersion.includes("/")
            ? apiVersion.split("/")
            : ["", apiVersion];
        const pkg = GROUP_PACKAGES[group] ?? CORE_PACKAGE;
        const mod = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
        try {
            const exports = require(mod) as Record<string, ModelClass>;
            model = exports[kind] ?? null;
        } catch {
            model = null;
        }
    }
    modelCache.set(id, model);
    return model;
}

/** "/spec/rules/0/backendRefs/1/weight" -> "spec.rules[0].backendRefs[1].weight". */
export function dottedPath(pointer: string): string {
    return pointer
        .split("/")
        .slice(1)
        .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce(
            (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
            "",
        );
}

function valueAt(obj: unknown, pointer: string): unknown {
    let v = obj;
    for (const part of pointer.split("/").slice(1)) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return v;
}

function describe(e: AjvError): string {
    if (e.keyword === "required") return `must have required property ${e.params?.missingProperty}`;
    return e.message ?? `must satisfy ${e.keyword}`;
}

/** Validates one manifest; returns its problems (empty when valid). */
export function validateManifest(manifest: Record<string, unknown>): SchemaProblem[] {
    const kind = String(manifest.kind ?? "?");
    const apiVersion = String(manifest.apiVersion ?? "?");
    const meta = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
    const object = meta.namespace ? `${meta.namespace}/${meta.name ?? "?"}` : (meta.name ?? "?");
    const Model = modelFor(apiVersion, kind);
    if (!Model) {
        return [
            {
                kind,
                object,
                path: "apiVersion",
                message: `must be a kind with a schema (${apiVersion} ${kind} has none: add its kubernetes-models package to scripts/lib/k8sSchema.ts)`,
                schemaPath: "-",
            },
        ];
    }
    try {
        new Model(manifest).validate();
        return [];
    } catch (err) {
        const errors = (err as { errors?: AjvError[] }).errors;
        if (!Array.isArray(errors)) throw err;
        const problems = errors
            // A redacted secret ("[secret]") stands in for a value only the engine knows; its shape
            // cannot be checked offline, so rules failing on it are not reported.
            .filter((e) => valueAt(manifest, e.instancePath) !== SECRET_TEXT)
            // "oneOf" restates its branches' failures; keep the branches, which name the rule.
            .filter((e, _, all) => !(e.keyword === "oneOf" && all.length > 1))
            .map((e) => ({
                kind,
                object,
                path: dottedPath(e.instancePath),
                message: describe(e),
                schemaPath: e.schemaPath,
            }));
        return dedupe(problems);
    }
}

function dedupe(problems: SchemaProblem[]): SchemaProblem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const id = `${p.path} ${p.message}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
    });
}

/** Validates every Kubernetes object in the plan. */
export function validatePlanManifests(plan: Plan): SchemaProblem[] {
    return plan.resources
        .filter(isKubernetesObject)
        .flatMap((r) => validateManifest(manifestOf(r)));
}

/** "HTTPRoute nova-prod/nova-api: spec.rules[0].backendRefs[0].weight must be >= 0 (schema #/minimum)". */
export function formatSchemaProblem(p: SchemaProblem): string {
    const where = p.path ? `${p.path} ` : "";
    return `${p.kind} ${p.object}: ${where}${p.message} (schema ${p.schemaPath})`;
}
