// Security group rules for the data stores (CL-19): never open to the internet, only the app.
import * as aws from "@pulumi/aws";
import {
    validateResourceOfType,
    type PolicyResource,
    type ResourceValidationPolicy,
    type StackValidationPolicy,
} from "@pulumi/policy";
import { TYPES, type Props, type Report } from "./util";

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** One ingress permission, whatever resource shape it came from. */
interface Ingress {
    protocol: string;
    fromPort: number;
    toPort: number;
    cidrs: string[];
    sourceGroups: string[];
    prefixLists: string[];
}

function allProtocols(p: string) {
    return p === "-1" || p === "all";
}

function coversPort(i: Ingress, port: number): boolean {
    if (allProtocols(i.protocol)) return true;
    return i.fromPort <= port && port <= i.toPort;
}

function list(v: unknown): string[] {
    return Array.isArray(v) ? v.map(String) : v ? [String(v)] : [];
}

export function inlineIngress(sg: Props): Ingress[] {
    return ((sg.ingress ?? []) as Props[]).map((i) => ({
        protocol: String(i.protocol ?? "tcp"),
        fromPort: Number(i.fromPort ?? 0),
        toPort: Number(i.toPort ?? 0),
        cidrs: [...list(i.cidrBlocks), ...list(i.ipv6CidrBlocks)],
        sourceGroups: list(i.securityGroups),
        prefixLists: list(i.prefixListIds),
    }));
}

export function ruleIngress(type: string, r: Props): Ingress | undefined {
    if (type === TYPES.securityGroupRule) {
        if (r.type !== "ingress") return undefined;
        return {
            protocol: String(r.protocol ?? "tcp"),
            fromPort: Number(r.fromPort ?? 0),
            toPort: Number(r.toPort ?? 0),
            cidrs: [...list(r.cidrBlocks), ...list(r.ipv6CidrBlocks)],
            sourceGroups: list(r.sourceSecurityGroupId),
            prefixLists: list(r.prefixListIds),
        };
    }
    if (type === TYPES.vpcIngressRule) {
        return {
            protocol: String(r.ipProtocol ?? "tcp"),
            fromPort: Number(r.fromPort ?? 0),
            toPort: Number(r.toPort ?? r.fromPort ?? 0),
            cidrs: [...list(r.cidrIpv4), ...list(r.cidrIpv6)],
            sourceGroups: list(r.referencedSecurityGroupId),
            prefixLists: list(r.prefixListId),
        };
    }
    return undefined;
}

function checkWorldOpen(ingress: Ingress[], ports: number[], what: string, report: Report) {
    for (const i of ingress) {
        const world = i.cidrs.filter((c) => WORLD.has(c));
        if (world.length === 0) continue;
        const hit = ports.filter((p) => coversPort(i, p));
        if (hit.length > 0) {
            report(
                `${what} must not allow ${world.join(", ")} on data-store port${hit.length > 1 ? "s" : ""} ${hit.join(", ")}`,
            );
        }
    }
}

const portsSchema = {
    properties: {
        ports: {
            type: "array" as const,
            items: { type: "integer" as const },
            default: [5432, 6379],
            description: "Data-store ports (PostgreSQL, Redis).",
        },
    },
};

export function noPublicDataIngress(): ResourceValidationPolicy {
    return {
        name: "network-no-public-data-ingress",
        description:
            "Security groups must not allow 0.0.0.0/0 or ::/0 on a database or cache port.",
        configSchema: portsSchema,
        validateResource: [
            validateResourceOfType(aws.ec2.SecurityGroup, (sg, args, report) => {
                const { ports } = args.getConfig<{ ports: number[] }>();
                checkWorldOpen(
                    inlineIngress(sg),
                    ports,
                    `Security group ${sg.name ?? args.name} ingress`,
                    report,
                );
            }),
            validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, report) => {
                const { ports } = args.getConfig<{ ports: number[] }>();
                const i = ruleIngress(args.type, rule);
                if (!i) return args.notApplicable("egress rule");
                checkWorldOpen([i], ports, `Security group rule ${args.name}`, report);
            }),
            validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, report) => {
                const { ports } = args.getConfig<{ ports: number[] }>();
                checkWorldOpen(
                    [ruleIngress(args.type, rule)!],
                    ports,
                    `Ingress rule ${args.name}`,
                    report,
                );
            }),
        ],
    };
}

/** Security groups attached to an RDS instance or an ElastiCache replication group. */
function dataStoreGroups(resources: PolicyResource[]) {
    const out: { store: PolicyResource; groups: PolicyResource[]; key: string }[] = [];
    for (const r of resources) {
        const key =
            r.type === TYPES.rdsInstance
                ? "vpcSecurityGroupIds"
                : r.type === TYPES.replicationGroup
                  ? "securityGroupIds"
                  : undefined;
        if (!key) continue;
        const groups = (r.propertyDependencies[key] ?? []).filter(
            (d) => d.type === TYPES.securityGroup,
        );
        out.push({ store: r, groups, key });
    }
    return out;
}

/** Tag the program puts on a data store's security group: the app security group it admits. */
export const APP_SG_TAG = "release/app-security-group";

function declaredAppGroups(groups: PolicyResource[]): Set<string> {
    const out = new Set<string>();
    for (const g of groups) {
        const tag = (g.props.tags as Record<string, unknown> | undefined)?.[APP_SG_TAG];
        if (typeof tag === "string" && tag !== "") out.add(tag);
    }
    return out;
}

export function dataStoresAppOnly(): StackValidationPolicy {
    return {
        name: "network-data-stores-app-only",
        description:
            "Databases and caches must sit in their own security groups whose ingress comes only from the app's security group.",
        configSchema: {
            properties: {
                appSecurityGroupIds: {
                    type: "array",
                    items: { type: "string" },
                    default: [],
                    description:
                        "Allowed source security groups for every stack; empty: each data store's security group admits only the group its release/app-security-group tag names (and all of a stack's stores name the same one).",
                },
            },
        },
        validateStack: (args, report) => {
            const stores = dataStoreGroups(args.resources);
            if (stores.length === 0) args.notApplicable("no database or cache in the stack");
            const { appSecurityGroupIds } = args.getConfig<{ appSecurityGroupIds: string[] }>();
            const declared = declaredAppGroups(stores.flatMap((s) => s.groups));
            if (appSecurityGroupIds.length === 0 && declared.size > 1) {
                report(
                    `Data stores must admit one app security group per stack (their ${APP_SG_TAG} tags name ${[...declared].sort().join(", ")})`,
                );
            }
            const checked = new Set<PolicyResource>();
            for (const { store, groups, key } of stores) {
                const label = `${store.type.split(":").pop()} ${store.props.identifier ?? store.props.replicationGroupId ?? store.name}`;
                if (groups.length === 0) {
                    report(
                        `${label} ${key} must name a security group defined in this stack`,
                        store.urn,
                    );
                    continue;
                }
                for (const sg of groups) {
                    if (checked.has(sg)) continue;
                    checked.add(sg);
                    const rules = [
                        ...inlineIngress(sg.props),
                        ...args.resources
                            .filter((r) =>
                                (r.propertyDependencies.securityGroupId ?? []).includes(sg),
                            )
                            .map((r) => ruleIngress(r.type, r.props))
                            .filter((i): i is Ingress => i !== undefined),
                    ];
                    const what = `Security group ${sg.props.name ?? sg.name} of ${label}`;
                    for (const i of rules) {
                        if (i.cidrs.length > 0 || i.prefixLists.length > 0) {
                            report(
                                `${what} must admit only the app security group, not address ranges (got ${[...i.cidrs, ...i.prefixLists].join(", ")})`,
                                sg.urn,
                            );
                        }
                        const allowed =
                            appSecurityGroupIds.length > 0
                                ? appSecurityGroupIds
                                : [...declaredAppGroups([sg])];
                        const foreign = i.sourceGroups.filter(
                            (g) => allowed.length > 0 && !allowed.includes(g),
                        );
                        if (foreign.length > 0) {
                            report(
                                `${what} must admit only the app security group (got ${foreign.join(", ")})`,
                                sg.urn,
                            );
                        }
                    }
                }
            }
        },
    };
}

export function networkPolicies() {
    return [noPublicDataIngress(), dataStoresAppOnly()];
}
