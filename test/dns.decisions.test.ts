// The DNS decisions, called directly: the host each routing policy health-checks, the set
// identifier and region fallbacks, and where each routing object's status carries its address.
import * as assert from "assert";
import { dnsSchema } from "../config/dns";
import { defaultLoadBalancerType, dnsPlan, loadBalancerAddress } from "../decisions/dns";

const dns = (over: Record<string, unknown> = {}) =>
    dnsSchema.parse({ zoneId: "Z0123456789ABCDEFGHIJ", ...over });
const HOST = "app.example.com";

describe("dns decisions", () => {
    it("simple routing health-checks the public host and has no set identifier", () => {
        assert.deepStrictEqual(dnsPlan(dns(), HOST, "eu-west-1"), { healthHost: HOST });
    });

    it("latency routing checks this region's own name, defaulting identifier and region to the stack's", () => {
        assert.deepStrictEqual(dnsPlan(dns({ routing: "latency" }), HOST, "eu-west-1"), {
            setIdentifier: "eu-west-1",
            healthHost: `eu-west-1.${HOST}`,
            regionalHost: `eu-west-1.${HOST}`,
            latencyRegion: "eu-west-1",
        });
        assert.deepStrictEqual(
            dnsPlan(
                dns({ routing: "latency", setIdentifier: "EU_Primary.1", region: "eu-central-1" }),
                HOST,
                "eu-west-1",
            ),
            {
                setIdentifier: "EU_Primary.1",
                healthHost: `eu-primary-1.${HOST}`,
                regionalHost: `eu-primary-1.${HOST}`,
                latencyRegion: "eu-central-1",
            },
        );
    });

    it("geolocation routing carries its location, copied", () => {
        const cfg = dns({
            routing: "geolocation",
            setIdentifier: "us",
            geolocation: { country: "US", subdivision: "CA" },
        });
        const plan = dnsPlan(cfg, HOST, undefined);
        assert.deepStrictEqual(plan, {
            setIdentifier: "us",
            healthHost: `us.${HOST}`,
            regionalHost: `us.${HOST}`,
            geolocation: { country: "US", subdivision: "CA" },
        });
        assert.notStrictEqual(plan.geolocation, cfg.geolocation);
    });

    it("names the missing key when neither the config nor the stack gives a region", () => {
        assert.throws(
            () =>
                dnsPlan(
                    dns({ routing: "geolocation", geolocation: { continent: "EU" } }),
                    HOST,
                    undefined,
                ),
            /^Error: release:dns\.setIdentifier must be set when aws:region is not \(regional records need a set identifier\)$/,
        );
        assert.throws(
            () => dnsPlan(dns({ routing: "latency", setIdentifier: "eu" }), HOST, undefined),
            /^Error: release:dns\.region must be set when aws:region is not \(latency records name their region\)$/,
        );
    });

    it("reads the load balancer's hostname from an Ingress or a Gateway status", () => {
        const ingress = {
            loadBalancer: { ingress: [{ hostname: "a.elb.amazonaws.com" }, { hostname: "b" }] },
        };
        assert.strictEqual(loadBalancerAddress("Ingress", ingress), "a.elb.amazonaws.com");
        assert.strictEqual(loadBalancerAddress("Ingress", { loadBalancer: {} }), undefined);
        assert.strictEqual(loadBalancerAddress("Ingress", undefined), undefined);
        assert.strictEqual(loadBalancerAddress("Gateway", ingress), undefined);
        const gateway = {
            addresses: [
                { type: "IPAddress", value: "10.0.0.1" },
                { type: "Hostname", value: "gw.elb.amazonaws.com" },
            ],
        };
        assert.strictEqual(loadBalancerAddress("Gateway", gateway), "gw.elb.amazonaws.com");
        // The type defaults to IPAddress in the API, but a status without one is an address too.
        assert.strictEqual(
            loadBalancerAddress("Gateway", { addresses: [{ value: "x.example" }] }),
            "x.example",
        );
        assert.strictEqual(loadBalancerAddress("Gateway", undefined), undefined);
        assert.strictEqual(loadBalancerAddress("Ingress", gateway), undefined);
        assert.strictEqual(loadBalancerAddress("Service", ingress), undefined);
        assert.strictEqual(loadBalancerAddress("Service", gateway), undefined);
        // Not provisioned yet: no entry, or only an IP address.
        assert.strictEqual(
            loadBalancerAddress("Ingress", { loadBalancer: { ingress: [] } }),
            undefined,
        );
        const ipOnly = { addresses: [{ type: "IPAddress", value: "10.0.0.1" }] };
        assert.strictEqual(loadBalancerAddress("Gateway", ipOnly), undefined);
    });

    it("puts an NLB behind nginx and an ALB behind the others", () => {
        assert.strictEqual(defaultLoadBalancerType("nginx"), "network");
        assert.strictEqual(defaultLoadBalancerType("alb"), "application");
        assert.strictEqual(defaultLoadBalancerType("gateway-api"), "application");
    });
});
