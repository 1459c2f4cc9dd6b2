// The restricted Pod Security Standard, written once for every workload the program runs
// (colours, migration Jobs, exporters), so hardening cannot drift between them.

/** Pod-level: non-root under a fixed UID/GID, default seccomp profile. */
export function restrictedPodSecurity(uid: number, opts: { fsGroup?: boolean } = {}) {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        ...(opts.fsGroup === false ? {} : { fsGroup: uid }),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level: no privilege escalation, read-only root filesystem, every capability dropped. */
export function restrictedContainerSecurity() {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
    };
}
