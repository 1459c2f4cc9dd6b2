import * as assert from "assert";
import * as path from "path";
import { defaultOutDir } from "../scripts/lib/stackFile";

describe("plan output folder", () => {
    const root = path.join(path.sep, "repo");

    it("keeps out/<stack>/ for the repository's own stack files", () => {
        assert.strictEqual(
            defaultOutDir(path.join(root, "Pulumi.prod.yaml"), "prod", root),
            path.join(root, "out", "prod"),
        );
    });

    it("gives two stack files named prod in different folders different folders", () => {
        const nova = defaultOutDir(
            path.join(root, "examples", "nova-streaming", "Pulumi.prod.yaml"),
            "prod",
            root,
        );
        const notevault = defaultOutDir(
            path.join(root, "examples", "notevault", "Pulumi.prod.yaml"),
            "prod",
            root,
        );
        assert.strictEqual(nova, path.join(root, "out", "examples", "nova-streaming", "prod"));
        assert.strictEqual(notevault, path.join(root, "out", "examples", "notevault", "prod"));
        assert.notStrictEqual(nova, path.join(root, "out", "prod"));
    });

    it("writes a stack file from outside the tree to out/<stack>/, never outside out/", () => {
        assert.strictEqual(
            defaultOutDir(path.join(path.sep, "tmp", "x", "Pulumi.prod.yaml"), "prod", root),
            path.join(root, "out", "prod"),
        );
        assert.strictEqual(
            defaultOutDir(path.join(root, "..", "other", "Pulumi.qa.yaml"), "qa", root),
            path.join(root, "out", "qa"),
        );
    });
});
