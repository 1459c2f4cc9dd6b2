// Runs the real Pulumi program under Pulumi's own runtime mocks and captures the resource graph:
// every resource's type, name, parent, resolved inputs (secrets redacted) and options.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { computedCall, computedOutputs, readState, type PreviousState } from "./mockOutputs";

export type { PreviousState } from "./mockOutputs";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_TEXT = "[secret]";
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface PlannedResource {
    /** Pulumi type token, e.g. kubernetes:apps/v1:Deployment. */
    type: string;
    name: string;
    /** "type::name" of the parent, the stack for top-level resources. */
    parent: string | null;
    custom: boolean;
    inputs: Record<string, unknown>;
    options: { protect: boolean; retainOnDelete: boolean; dependsOn: string[] };
}

export interface Plan {
    stack: string;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
    /** "type::name" of what the program read (`get`, StackReference) rather than manages. */
    reads?: string[];
}

export interface PlanRequest {
    stack: string;
    /** Full config keys (`release:app`, `aws:region`) to values as in the stack file. */
    config: Record<string, unknown>;
    /** Full keys whose values are secret. */
    secretKeys?: string[];
    /** Program entry; default the repo's index.ts. */
    program?: string;
    /** Project name; default the one in Pulumi.yaml. */
    project?: string;
    /** Receives "type::name" of every resource as it registers, even when the program then fails. */
    registered?: string[];
    /**
     * The stack's last update, for the program's StackReference to itself and its reads of live
     * objects. Default none: the stack has no outputs yet, as on a first deployment.
     */
    previous?: PreviousState;
}

/** The organization the offline plan runs in: a self-managed backend's fixed name. */
export const MOCK_ORGANIZATION = "organization";

export const resourceKey = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/** Replaces Pulumi secret envelopes with "[secret]", recursively. */
export function redactSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (SECRET_SIG in obj) return SECRET_TEXT;
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redactSecrets(v)]));
    }
    return value;
}

function toConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** dependsOn as the engine sees it: arrays, promises and outputs of resources, resolved. */
async function resolveResources(value: unknown): Promise<pulumi.Resource[]> {
    if (!value) return [];
    if (Array.isArray(value)) return (await Promise.all(value.map(resolveResources))).flat();
    if (value instanceof Promise) return resolveResources(await value);
    if (pulumi.Output.isInstance(value)) {
        return resolveResources(
            await (value as unknown as { promise(): Promise<unknown> }).promise(),
        );
    }
    return pulumi.Resource.isInstance(value) ? [value] : [];
}

const runtime = pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> };

let running = false;

/** Plans the program once. Runs are serialised: the Pulumi runtime is process-global. */
export async function planProgram(req: PlanRequest): Promise<Plan> {
    if (running) throw new Error("planProgram: one plan at a time (the Pulumi runtime is global)");
    running = true;
    try {
        return await withoutStackTraces(() => planOnce(req));
    } finally {
        running = false;
    }
}

/**
 * Every pending promise in the Pulumi SDK captures a stack trace, which ts-node's source maps make
 * the single largest cost of a plan. Program errors keep their messages; set RELEASE_PLAN_STACKS=1
 * to get their stack traces back while debugging the program.
 */
async function withoutStackTraces<T>(run: () => Promise<T>): Promise<T> {
    if (process.env.RELEASE_PLAN_STACKS) return run();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return await run();
    } finally {
        Error.stackTraceLimit = limit;
    }
}

/** A resource as the mocks saw it register (reads are kept apart). */
interface Registered {
    type: string;
    name: string;
    custom: boolean;
    inputs: unknown;
}

/** Installs the runtime mocks; they fill `registered` and `reads` as the program runs. */
async function installMocks(
    req: PlanRequest,
    project: string,
    registered: Registered[],
    reads: string[],
): Promise<void> {
    const self = `${MOCK_ORGANIZATION}/${project}/${req.stack}`;
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                req.registered?.push(resourceKey(args));
                // The program imports nothing, so an id means a read: a `get` or a StackReference.
                if (args.id) {
                    reads.push(resourceKey(args));
                    return { id: args.id, state: readState(args, self, req.previous) };
                }
                registered.push({
                    type: args.type,
                    name: args.name,
                    custom: args.custom ?? true,
                    inputs: args.inputs,
                });
                const id = args.custom === false ? undefined : `${args.name}-id`;
                return { id, state: { ...args.inputs, ...computedOutputs(args) } };
            },
            call(args) {
                return computedCall(args);
            },
        },
        project,
        req.stack,
        false,
        MOCK_ORGANIZATION,
    );
}

/** Resource options as a stack transformation sees them, keyed by "type::name". */
interface CapturedOptions {
    readonly keys: Map<pulumi.Resource, string>;
    readonly options: Map<
        string,
        Omit<PlannedResource["options"], "dependsOn"> & { parent: string }
    >;
    readonly dependsOn: Map<string, unknown>;
}

/** A stack transformation that records each resource's parent, protect, retain and dependsOn. */
function optionsRecorder(stackKey: string): {
    captured: CapturedOptions;
    transformation: pulumi.ResourceTransformation;
} {
    const captured: CapturedOptions = { keys: new Map(), options: new Map(), dependsOn: new Map() };
    const protectOf = new Map<pulumi.Resource, boolean>();
    const transformation: pulumi.ResourceTransformation = (args) => {
        const key = resourceKey(args);
        const parent = args.opts.parent;
        const parentKey = parent ? (captured.keys.get(parent) ?? stackKey) : stackKey;
        // protect is inherited from the parent after transformations run, so inherit it here too.
        const protect = args.opts.protect ?? (parent ? (protectOf.get(parent) ?? false) : false);
        captured.keys.set(args.resource, key);
        protectOf.set(args.resource, protect);
        captured.options.set(key, {
            parent: parentKey,
            protect,
            retainOnDelete: args.opts.retainOnDelete ?? false,
        });
        captured.dependsOn.set(key, args.opts.dependsOn);
        return undefined;
    };
    return { captured, transformation };
}

/** Loads the program afresh and resolves its exports; secret ones become "[secret]". */
async function programOutputs(program: string): Promise<Record<string, unknown>> {
    delete require.cache[require.resolve(program)];
    const programExports = require(program) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(programExports)) {
        if (name === "__esModule") continue;
        const out = pulumi.output(value);
        const isSecret = await (out as unknown as { isSecret: Promise<boolean> }).isSecret;
        const plain = await (out as unknown as { promise(): Promise<unknown> }).promise();
        outputs[name] = isSecret ? SECRET_TEXT : redactSecrets(plain);
    }
    return outputs;
}

/** Resolved once the program is done: dependsOn may be an output the program decides late. */
async function resolvedDependsOn(captured: CapturedOptions): Promise<Map<string, string[]>> {
    const deps = new Map<string, string[]>();
    for (const [key, value] of captured.dependsOn) {
        deps.set(
            key,
            (await resolveResources(value)).map((d) => captured.keys.get(d) ?? "unknown"),
        );
    }
    return deps;
}

/** The managed resources with their options, sorted so plans diff cleanly. */
function plannedResources(
    registered: Registered[],
    captured: CapturedOptions,
    deps: Map<string, string[]>,
    stackKey: string,
): PlannedResource[] {
    return (
        registered
            .filter(
                (r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"),
            )
            .map((r) => {
                const opts = captured.options.get(resourceKey(r));
                return {
                    type: r.type,
                    name: r.name,
                    parent: opts?.parent ?? stackKey,
                    custom: r.custom,
                    inputs: redactSecrets(r.inputs) as Record<string, unknown>,
                    options: {
                        protect: opts?.protect ?? false,
                        retainOnDelete: opts?.retainOnDelete ?? false,
                        dependsOn: deps.get(resourceKey(r)) ?? [],
                    },
                };
            })
            // Registration order depends on promise timing.
            .sort((a, b) => resourceKey(a).localeCompare(resourceKey(b)))
    );
}

async function planOnce(req: PlanRequest): Promise<Plan> {
    const project = req.project ?? "release";
    const program = req.program ?? path.join(REPO_ROOT, "index.ts");
    const configStrings = Object.fromEntries(
        Object.entries(req.config).map(([k, v]) => [k, toConfigString(v)]),
    );
    pulumi.runtime.setAllConfig(configStrings, req.secretKeys ?? []);
    const registered: Registered[] = [];
    const reads: string[] = [];
    await installMocks(req, project, registered, reads);

    const stackKey = `pulumi:pulumi:Stack::${project}-${req.stack}`;
    const { captured, transformation } = optionsRecorder(stackKey);
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(transformation);
        return programOutputs(program);
    });
    await runtime.waitForRPCs();
    const deps = await resolvedDependsOn(captured);
    return {
        stack: req.stack,
        resources: plannedResources(registered, captured, deps, stackKey),
        outputs: outputs as Record<string, unknown>,
        ...(reads.length ? { reads: reads.sort() } : {}),
    };
}

export function isKubernetesObject(r: PlannedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string";
}

/** The Kubernetes manifest a resource would apply (its resolved inputs). */
export function manifestOf(r: PlannedResource): Record<string, unknown> {
    const { apiVersion, kind, metadata, ...rest } = r.inputs;
    return { apiVersion, kind, metadata, ...rest };
}

export function ensureDir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
}
