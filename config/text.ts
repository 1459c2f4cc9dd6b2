/** Shows invisible or look-alike characters escaped: "blu\u0435" instead of "bluе". */
export function escapeText(text: string): string {
    return text.replace(
        /[^\x20-\x7e]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
}
