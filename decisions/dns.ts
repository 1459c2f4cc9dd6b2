// Pure DNS decisions: which host each record and health check serves, the routing policy blocks
// Route 53 takes, and where a routing object's status carries its load balancer's address.
import type { DnsConfig } from "../config/dns";

export interface DnsPlan {
    /** Set identifier of this stack's records (latency/geolocation only). */
    readonly setIdentifier?: string;
    /** The host the health check probes: the public host, or for regional routing this region's own name. */
    readonly healthHost: string;
    /** A host only this stack's load balancer answers (regional routing only). */
    readonly regionalHost?: string;
    readonly latencyRegion?: string;
    readonly geolocation?: { continent?: string; country?: string; subdivision?: string };
}

/**
 * Regional routing needs a name that reaches this region's load balancer directly, or the health
 * check would follow the shared record to whichever region answers fastest:
 * `<set identifier>.<host>`, owned by this stack alone.
 */
export function dnsPlan(dns: DnsConfig, host: string, stackRegion: string | undefined): DnsPlan {
    if (dns.routing === "simple") return { healthHost: host };
    const setIdentifier = dns.setIdentifier ?? stackRegion;
    if (!setIdentifier) {
        throw new Error(
            "release:dns.setIdentifier must be set when aws:region is not (regional records need a set identifier)",
        );
    }
    const label = setIdentifier.toLowerCase().replace(/[^a-z0-9-]/g, "-");
    const regionalHost = `${label}.${host}`;
    const plan = { setIdentifier, healthHost: regionalHost, regionalHost };
    if (dns.routing === "latency") {
        const region = dns.region ?? stackRegion;
        if (!region) {
            throw new Error(
                "release:dns.region must be set when aws:region is not (latency records name their region)",
            );
        }
        return { ...plan, latencyRegion: region };
    }
    return { ...plan, geolocation: { ...dns.geolocation } };
}

/** The load balancer hostname in a routing object's status (Ingress or Gateway). */
export function loadBalancerAddress(kind: string, status: unknown): string | undefined {
    const s = (status ?? {}) as {
        loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] };
        addresses?: { type?: string; value?: string }[];
    };
    if (kind === "Ingress") return s.loadBalancer?.ingress?.[0]?.hostname;
    if (kind === "Gateway") {
        return s.addresses?.find((a) => a.type === undefined || a.type === "Hostname")?.value;
    }
    return undefined;
}

/** The kind of load balancer behind each router: ALBs for the AWS controller, an NLB for nginx. */
export function defaultLoadBalancerType(routerKind: string): "application" | "network" {
    return routerKind === "nginx" ? "network" : "application";
}
