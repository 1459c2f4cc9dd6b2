// Router configurations the bench and the tests plan the prod stack with, one per router kind.
import type { ConfigEdit } from "./stackEdit";

export const ROUTER_VARIANTS: Record<string, ConfigEdit> = {
    "gateway-api": () => undefined,
    alb: (c) =>
        (c.router = {
            kind: "alb",
            tls: { certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f" },
        }),
    nginx: (c) => (c.router = { kind: "nginx", tls: { secretName: "api-nova-tls" } }),
};
