// The restricted Pod Security Standard as the builders write it (what the admission controller's
// "restricted" level requires, plus a fixed UID/GID).
import { strict as assert } from "assert";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../decisions/podSecurity";

describe("pod security builders", () => {
    it("runs pods as the given non-root UID and GID with the default seccomp profile", () => {
        assert.deepEqual(restrictedPodSecurity(10001), {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(restrictedPodSecurity(20000, { fsGroup: true }).fsGroup, 20000);
    });

    it("leaves fsGroup out only when asked (pods without volumes to chown)", () => {
        assert.deepEqual(restrictedPodSecurity(65534, { fsGroup: false }), {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("drops every capability, forbids escalation and mounts the root filesystem read-only", () => {
        assert.deepEqual(restrictedContainerSecurity(), {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        });
    });
});
