// Provider-computed outputs the mocks fill in, per resource type, so the program sees realistic values
// (an RDS endpoint, a generated password) where a real provider would compute them.
import type { MockResourceArgs } from "@pulumi/pulumi/runtime";
import type { PlannedResource } from "./plan";

/** The value every mocked generated secret takes; tests assert it never appears in plain text. */
export const MOCK_SECRET_PREFIX = "MOCK-SECRET-";

const MOCK_REGION = "eu-west-1";
const MOCK_ACCOUNT = "123456789012";
const MOCK_ACCOUNT_HASH = "c9akciq32xyz";

/** 17 deterministic hex digits, the length of real AWS resource ids. */
function hex(text: string): string {
    let h = 0n;
    for (const ch of text) h = (h * 131n + BigInt(ch.charCodeAt(0))) % 2n ** 68n;
    return h.toString(16).padStart(17, "0").slice(-17);
}

type Computed = (args: MockResourceArgs) => Record<string, unknown>;

const computed: Record<string, Computed> = {
    "random:index/randomPassword:RandomPassword": (a) => ({
        result: `${MOCK_SECRET_PREFIX}${a.name}`,
        bcryptHash: `${MOCK_SECRET_PREFIX}${a.name}-bcrypt`,
    }),
    // Data tier: what AWS computes on create, with the shapes real endpoints have.
    "aws:rds/instance:Instance": (a) => {
        const id = String(a.inputs.identifier ?? a.name);
        const port = Number(a.inputs.port ?? 5432);
        const address = `${id}.${MOCK_ACCOUNT_HASH}.${MOCK_REGION}.rds.amazonaws.com`;
        return {
            identifier: id,
            address,
            port,
            endpoint: `${address}:${port}`,
            arn: `arn:aws:rds:${MOCK_REGION}:${MOCK_ACCOUNT}:db:${id}`,
            resourceId: `db-${id.toUpperCase().replace(/-/g, "").slice(0, 20)}`,
        };
    },
    "aws:rds/snapshot:Snapshot": (a) => ({
        dbSnapshotArn: `arn:aws:rds:${MOCK_REGION}:${MOCK_ACCOUNT}:snapshot:${a.inputs.dbSnapshotIdentifier}`,
        status: "available",
    }),
    "aws:rds/subnetGroup:SubnetGroup": (a) => ({
        arn: `arn:aws:rds:${MOCK_REGION}:${MOCK_ACCOUNT}:subgrp:${a.inputs.name}`,
    }),
    "aws:rds/parameterGroup:ParameterGroup": (a) => ({
        arn: `arn:aws:rds:${MOCK_REGION}:${MOCK_ACCOUNT}:pg:${a.inputs.name}`,
    }),
    "aws:ec2/securityGroup:SecurityGroup": (a) => ({
        arn: `arn:aws:ec2:${MOCK_REGION}:${MOCK_ACCOUNT}:security-group/sg-${hex(a.name)}`,
        ownerId: MOCK_ACCOUNT,
    }),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (a) => ({
        securityGroupRuleId: `sgr-${hex(a.name)}`,
    }),
    "aws:elasticache/replicationGroup:ReplicationGroup": (a) => {
        const id = String(a.inputs.replicationGroupId ?? a.name);
        const domain = `${id}.${MOCK_ACCOUNT_HASH.slice(0, 6)}.euw1.cache.amazonaws.com`;
        return {
            primaryEndpointAddress: `master.${domain}`,
            readerEndpointAddress: `replica.${domain}`,
            arn: `arn:aws:elasticache:${MOCK_REGION}:${MOCK_ACCOUNT}:replicationgroup:${id}`,
            memberClusters: Array.from(
                { length: Number(a.inputs.numCacheClusters ?? 1) },
                (_, i) => `${id}-00${i + 1}`,
            ),
        };
    },
    "aws:kms/key:Key": (a) => {
        const h = `${hex(a.name)}${hex(`${a.name}/key`)}`;
        const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        return { keyId, arn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/${keyId}` };
    },
    // Routing objects: the controllers write the load balancer they provisioned into status.
    "kubernetes:networking.k8s.io/v1:Ingress": (a) => {
        const meta = (a.inputs.metadata ?? {}) as { name?: string; namespace?: string };
        const cls = String((a.inputs.spec as { ingressClassName?: string })?.ingressClassName);
        const hostname =
            cls === "alb"
                ? `k8s-${String(meta.namespace).slice(0, 8)}-${String(meta.name).slice(0, 8)}-${hex(a.name).slice(0, 10)}-${hex(`${a.name}/lb`).slice(0, 10)}.${MOCK_REGION}.elb.amazonaws.com`
                : `a${hex("ingress-nginx")}${hex("controller")}.elb.${MOCK_REGION}.amazonaws.com`;
        return { status: { loadBalancer: { ingress: [{ hostname }] } } };
    },
    "kubernetes:gateway.networking.k8s.io/v1:Gateway": (a) => {
        const meta = (a.inputs.metadata ?? {}) as { name?: string; namespace?: string };
        const value = `k8s-${String(meta.namespace).slice(0, 8)}-${String(meta.name).slice(0, 8)}-${hex(a.name).slice(0, 10)}.${MOCK_REGION}.elb.amazonaws.com`;
        return { status: { addresses: [{ type: "Hostname", value }] } };
    },
    // Storage: S3 bucket ARNs carry neither region nor account.
    "aws:s3/bucket:Bucket": (a) => {
        const bucket = String(a.inputs.bucket ?? a.name);
        return {
            bucket,
            arn: `arn:aws:s3:::${bucket}`,
            bucketDomainName: `${bucket}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${bucket}.s3.${MOCK_REGION}.amazonaws.com`,
            region: MOCK_REGION,
        };
    },
    "aws:route53/healthCheck:HealthCheck": (a) => ({
        arn: `arn:aws:route53:::healthcheck/${hex(a.name)}`,
    }),
    "aws:route53/record:Record": (a) => ({ fqdn: String(a.inputs.name ?? a.name) }),
    // Identity: IAM names the role ARN after the role name.
    "aws:iam/role:Role": (a) => {
        const name = String(a.inputs.name ?? a.name);
        return {
            name,
            arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`,
            uniqueId: `AROA${hex(name).toUpperCase()}`,
        };
    },
    "aws:iam/rolePolicy:RolePolicy": (a) => ({
        name: String(a.inputs.name ?? a.name),
    }),
};

/** Registers computed outputs for a type (used by data-tier and other components). */
export function registerComputed(type: string, fn: Computed): void {
    computed[type] = fn;
}

export function computedOutputs(args: MockResourceArgs): Record<string, unknown> {
    return computed[args.type]?.(args) ?? {};
}

/** The stack's last update, as the offline plan knows it: a saved plan, plus what runs now. */
export interface PreviousState {
    /** The stack outputs the last update exported. */
    outputs: Record<string, unknown>;
    /** What it deployed: reads of live objects answer from these. */
    resources: PlannedResource[];
    /**
     * Replicas running now per Deployment `namespace/name`, where an HPA has moved them from what
     * the last update set. Default: what it set.
     */
    liveReplicas?: Record<string, number>;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * What a read (`Resource.get`, a StackReference) returns offline. The stack's reference to itself
 * gets the previous outputs, or none on a first deployment; a Kubernetes object read by
 * `namespace/name` comes back as the previous plan deployed it, with the live replica count. A read
 * of anything else fails as it would against a cluster where it does not exist.
 */
export function readState(
    args: MockResourceArgs,
    self: string,
    previous: PreviousState | undefined,
): Record<string, unknown> {
    if (args.type === STACK_REFERENCE) {
        const name = String(args.inputs.name ?? args.name);
        if (name !== self) {
            throw new Error(
                `StackReference ${name}: only this stack's own outputs (${self}) are known offline`,
            );
        }
        return { name, outputs: previous?.outputs ?? {}, secretOutputNames: [] };
    }
    const found = previous?.resources.find((r) => {
        const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
        return r.type === args.type && `${meta.namespace}/${meta.name}` === args.id;
    });
    if (!found) {
        throw new Error(`${args.type} ${args.id} does not exist (nothing in the previous plan)`);
    }
    const state = structuredClone(found.inputs) as Record<string, unknown> & {
        spec?: Record<string, unknown>;
    };
    if (state.spec && typeof state.spec.replicas === "number") {
        const replicas = previous?.liveReplicas?.[args.id!] ?? state.spec.replicas;
        state.spec = { ...state.spec, replicas };
        state.status = { replicas, readyReplicas: replicas };
    }
    return state;
}

/** Canonical hosted zones of ELB load balancers in the mock region (AWS's published values). */
const MOCK_ELB_ZONES: Record<string, string> = {
    application: "Z32O12XQLNTSW2",
    network: "Z2IFOLAFXWLO4F",
};

/** What provider functions (invokes) return under the mocks; other calls echo their inputs. */
export function computedCall(args: { token: string; inputs: Record<string, unknown> }) {
    if (args.token === "aws:lb/getHostedZoneId:getHostedZoneId") {
        const type = String(args.inputs.loadBalancerType ?? "application");
        return { ...args.inputs, id: MOCK_ELB_ZONES[type] ?? MOCK_ELB_ZONES.application };
    }
    return args.inputs;
}
