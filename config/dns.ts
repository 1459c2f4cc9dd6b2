// Config for DNS: `release:dns` points the public host at the router's load balancer with a Route 53
// alias record, guarded by a health check on the readiness path. Regional stacks of one app each
// own one latency or geolocation record for the shared host, told apart by a set identifier.
import { z } from "zod";
import { httpPath, int, oneOf, pattern } from "./rules";
import { reportIssues, type ConfigIssue, type CrossFieldRule, type ParsedConfig } from "./types";

export const DNS_ROUTING = ["simple", "latency", "geolocation"] as const;
export const CONTINENTS = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;

const awsRegion = () => pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1");

export const dnsSchema = z.strictObject({
    /** Route 53 hosted zone holding the public host (no default). */
    zoneId: pattern(/^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
    /** simple: this stack alone answers for the host; latency/geolocation: one record per region. */
    routing: oneOf(DNS_ROUTING).default("simple"),
    /** Set identifier of this stack's record (latency/geolocation); default the stack's AWS region. */
    setIdentifier: pattern(
        /^[A-Za-z0-9_.-]{1,128}$/,
        "1–128 letters, digits, '.', '_' or '-'",
    ).optional(),
    /** Region of this stack's load balancer for latency routing; default the stack's AWS region. */
    region: awsRegion().optional(),
    /** Where this stack's record answers (geolocation routing); no default. */
    geolocation: z
        .strictObject({
            continent: oneOf(CONTINENTS).optional(),
            /** ISO country code, or "*" for the default record that answers everywhere else. */
            country: pattern(/^([A-Z]{2}|\*)$/, 'a two-letter country code or "*"').optional(),
            subdivision: pattern(/^[A-Z0-9]{1,3}$/, "a subdivision code such as CA").optional(),
        })
        .optional(),
    /** The load balancer kind, for its alias hosted zone; default application (network for nginx). */
    loadBalancerType: oneOf(["application", "network"] as const).optional(),
    healthCheck: z
        .strictObject({
            /** Path probed over HTTPS; default the app's readiness path. */
            path: httpPath().optional(),
            /** Consecutive failures before the region is taken out of DNS. */
            failureThreshold: int(1, 10).default(3),
            /** Seconds between probes from each checker (10 costs more, reacts faster). */
            requestInterval: int(10, 30)
                .refine((v) => v === 10 || v === 30, { error: "must be 10 or 30" })
                .default(30),
        })
        .prefault({}),
});

export const dnsSections = { dns: dnsSchema.optional() };
export type DnsConfig = z.output<typeof dnsSchema>;

/** Pure: cross-field problems of `release:dns`. */
export function dnsProblems(cfg: ParsedConfig): ConfigIssue[] {
    const dns: DnsConfig | undefined = cfg.dns;
    if (!dns) return [];
    const out: ConfigIssue[] = [];
    const geo = dns.geolocation;
    if (dns.routing === "geolocation") {
        const set = [geo?.continent, geo?.country].filter((v) => v !== undefined);
        if (set.length !== 1) {
            out.push({
                path: ["dns", "geolocation"],
                input: geo,
                message:
                    'must set exactly one of continent or country (country "*" is the default record) when release:dns.routing is geolocation',
            });
        }
        if (geo?.subdivision && geo.country !== "US") {
            out.push({
                path: ["dns", "geolocation", "subdivision"],
                input: geo.subdivision,
                message:
                    "must only be set with country US (Route 53 has subdivisions for the US only)",
            });
        }
    } else if (geo) {
        out.push({
            path: ["dns", "geolocation"],
            input: geo,
            message: `must not be set when release:dns.routing is ${dns.routing}`,
        });
    }
    if (cfg.router.kind === "gateway-api" && !cfg.router.gateway.create) {
        out.push({
            path: ["dns"],
            input: undefined,
            message:
                "must not be set when release:router.gateway.create is false: the records point at the load balancer of the Gateway this stack creates",
        });
    }
    if (!Object.values(cfg.workloads).some((w) => w.kind === "web")) {
        out.push({
            path: ["dns"],
            input: undefined,
            message:
                "must not be set without a web workload in release:workloads: the records point at a web workload's router",
        });
    }
    if (dns.routing === "simple" && dns.setIdentifier) {
        out.push({
            path: ["dns", "setIdentifier"],
            input: dns.setIdentifier,
            message:
                "must not be set when release:dns.routing is simple (one record owns the host)",
        });
    }
    return out;
}

export const dnsRules: CrossFieldRule[] = [
    function dnsRouting(cfg, ctx) {
        reportIssues(ctx, dnsProblems(cfg));
    },
];
