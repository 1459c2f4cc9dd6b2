// Image references against the upstream grammar (distribution/reference, which the kubelet and
// containerd use): the cases follow its reference_test.go. The schema adds two rules of its own on
// top: a pin (a tag other than latest, or a sha256 digest) and a tag usable as a label value.
import * as assert from "assert";
import {
    imageGrammarProblem,
    imagePinProblem,
    imageVersion,
    versionLabelProblem,
} from "../config/rules";

const hex = (n: number, c = "f") => c.repeat(n);

const VALID = [
    "test_com",
    "test.com:tag",
    "test.com:5000",
    "test.com/repo:tag",
    "test:5000/repo",
    "test:5000/repo:tag",
    `test:5000/repo@sha256:${hex(64)}`,
    `test:5000/repo:tag@sha256:${hex(64)}`,
    "lowercase:Uppercase",
    "sub-dom1.foo.com/bar/baz/quux",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "xn--n3h.com/myimage:xn--n3h.com",
    "foo_bar.com:8080",
    "foo/foo_bar.com:8080",
    "192.168.1.1/foo",
    "192.168.1.1:5/foo",
    "a/a__b/c",
    "a/a---b",
    `a:${hex(128, "t")}`,
];

const INVALID: [string, RegExp][] = [
    ["", /without spaces/],
    [":justtag", /must be an image reference/],
    [`@sha256:${hex(64)}`, /must be an image reference/],
    [`repo@sha256:${hex(63)}`, /digest/],
    ["Uppercase:tag", /lowercase repository path/],
    ["test:5000/Uppercase/lowercase:tag", /lowercase repository path/],
    ["aa/asdf$$^/aa", /must be an image reference/],
    ["a:/a", /must be an image reference/],
    [`${hex(256, "a")}`, /at most 255 characters/],
    [`a:${hex(129, "t")}`, /must be an image reference/],
    ["a:-tag", /must be an image reference/],
    ["a/_b", /must be an image reference/],
    ["a/b_", /must be an image reference/],
    ["reg/a b:v1", /must be an image reference/],
    ["reg/$(id):v1", /must be an image reference/],
    [" reg/a:v1", /without spaces/],
    [hex(64, "a"), /bare 64-character hex id/],
];

describe("image references (upstream grammar)", () => {
    for (const ref of VALID) {
        it(`accepts ${JSON.stringify(ref)}`, () => {
            assert.strictEqual(imageGrammarProblem(ref), undefined);
        });
    }
    for (const [ref, why] of INVALID) {
        it(`refuses ${JSON.stringify(ref.length > 40 ? `${ref.slice(0, 37)}...` : ref)}`, () => {
            assert.match(imageGrammarProblem(ref) ?? "accepted", why);
        });
    }

    it("pins: a tag other than latest, or a sha256 digest", () => {
        assert.strictEqual(imagePinProblem("test:5000/repo:v1"), undefined);
        assert.strictEqual(imagePinProblem(`repo@sha256:${hex(64)}`), undefined);
        assert.match(imagePinProblem("test:5000/repo") ?? "", /must be pinned/);
        assert.match(imagePinProblem("repo:latest") ?? "", /mutable/);
        assert.match(imagePinProblem(`repo@sha512:${hex(128)}`) ?? "", /@sha256/);
    });

    it("derives the version label from the tag, or the digest when there is one", () => {
        assert.strictEqual(imageVersion("test:5000/repo:v1.2.4"), "v1.2.4");
        assert.strictEqual(imageVersion(`r:v1@sha256:${hex(64, "a")}`), "sha256-aaaaaaaaaaaa");
        assert.strictEqual(imageVersion("test:5000/repo"), "unversioned");
    });

    it("a valid tag is not always a valid label value", () => {
        for (const tag of ["v1.2.4-", "_v1", hex(100, "t")]) {
            assert.strictEqual(imageGrammarProblem(`repo:${tag}`), undefined, tag);
            assert.match(versionLabelProblem(tag, true) ?? "", /becomes the version label/, tag);
        }
        assert.strictEqual(versionLabelProblem("v1.2.4", true), undefined);
    });
});
