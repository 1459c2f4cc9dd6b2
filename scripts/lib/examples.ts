// The example stacks: one folder per seed system under examples/, each with its stack files.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./plan";

export const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");

/** Every example stack file, as a path the plan command takes (examples/<system>/Pulumi.<stack>.yaml). */
export function exampleStackFiles(dir = EXAMPLES_DIR): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
        .flatMap((system) =>
            fs
                .readdirSync(path.join(dir, system))
                .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
                .sort()
                .map((f) => path.join("examples", system, f)),
        );
}
