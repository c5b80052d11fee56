// A browser MCP client page, bundled by esbuild (tests/browser/run.sh) from the official
// TypeScript SDK: v1 (`@modelcontextprotocol/sdk`, the legacy revisions only) and v2
// (`@modelcontextprotocol/client`, legacy and 2026-07-28). For every server in `?servers=`
// and every client below it lists the tools and calls `calculate`, writes what it saw into
// <pre id="results"> and POSTs the same JSON back to the origin that served it, where the
// test driver (run.py) reads it. Nothing is asserted here: the driver holds the exact values.

import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
    Client as ClientV2,
    StreamableHTTPClientTransport as TransportV2,
    type VersionNegotiationOptions,
} from "@modelcontextprotocol/client";

const info = { name: "browser-page", version: "1.0.0" };
const multiply = { name: "calculate", arguments: { operation: "multiply", a: 6, b: 7 } };

interface Outcome {
    server: string;
    client: string;
    protocolVersion?: string;
    sessionId?: string | null;
    tools?: string[];
    result?: unknown;
    isError?: unknown;
    error?: string;
    /** Every request that got no response at all (how a browser reports a CORS refusal). */
    fetchFailures: string[];
}

type Run = (server: URL, fetch: typeof window.fetch) => Promise<Omit<Outcome, "server" | "client" | "fetchFailures">>;

/** A tool result's text, the one thing `calculate` answers with. */
function text(result: { content?: unknown }): unknown {
    const content = result.content as Array<{ type: string; text?: string }> | undefined;
    return content?.map((part) => (part.type === "text" ? part.text : part.type)).join("");
}

const clients: Record<string, Run> = {
    // v1, the SDK most browser clients ship today: initialize handshake, legacy revision.
    "sdk-v1": async (server, fetch) => {
        const transport = new TransportV1(server, { fetch });
        const client = new ClientV1(info);
        await client.connect(transport);
        try {
            const tools = (await client.listTools()).tools.map((t) => t.name).sort();
            const result = await client.callTool(multiply);
            return {
                protocolVersion: transport.protocolVersion,
                sessionId: transport.sessionId ?? null,
                tools,
                result: text(result as { content?: unknown }),
                isError: result.isError ?? false,
            };
        } finally {
            // With sessions on, end ours (DELETE): exercises the third method CORS allows.
            if (transport.sessionId) await transport.terminateSession();
            await client.close();
        }
    },
    // v2 without negotiation: the same legacy handshake.
    "client-v2-legacy": async (server, fetch) => v2(server, fetch, { mode: "legacy" }),
    // v2 pinned to 2026-07-28: server/discover, per-request metadata and Mcp-Method/Mcp-Name.
    "client-v2-2026-07-28": async (server, fetch) => v2(server, fetch, { mode: { pin: "2026-07-28" } }),
};

async function v2(server: URL, fetch: typeof window.fetch, versionNegotiation: VersionNegotiationOptions) {
    const transport = new TransportV2(server, { fetch });
    const client = new ClientV2(info, { versionNegotiation });
    await client.connect(transport);
    try {
        const tools = (await client.listTools()).tools.map((t) => t.name).sort();
        const result = await client.callTool(multiply);
        return {
            protocolVersion: client.getNegotiatedProtocolVersion(),
            sessionId: transport.sessionId ?? null,
            tools,
            result: text(result as { content?: unknown }),
            isError: result.isError ?? false,
        };
    } finally {
        if (transport.sessionId) await transport.terminateSession();
        await client.close();
    }
}

/** The page's fetch, noting each request that failed before any response (the SDKs may
 *  wrap or, probing for the 2026-07-28 era, read such a failure as "not offered"). A request
 *  the client aborted itself is not such a failure: closing, v2 aborts the GET stream it
 *  opened in the background after `initialize`, which may not have been answered yet. */
function recording(failures: string[]): typeof window.fetch {
    return (input, init) =>
        window.fetch(input, init).catch((error: unknown) => {
            if (!init?.signal?.aborted) failures.push(describe(error));
            throw error;
        });
}

function describe(error: unknown): string {
    if (error instanceof Error) {
        const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : "";
        return `${error.name}: ${error.message}${cause}`;
    }
    return String(error);
}

async function main(): Promise<void> {
    const params = new URLSearchParams(location.search);
    const servers = (params.get("servers") ?? "").split(",").filter(Boolean);
    const outcomes: Outcome[] = [];
    for (const server of servers) {
        for (const [client, run] of Object.entries(clients)) {
            const fetchFailures: string[] = [];
            try {
                outcomes.push({ server, client, fetchFailures, ...(await run(new URL(server), recording(fetchFailures))) });
            } catch (error) {
                outcomes.push({ server, client, fetchFailures, error: describe(error) });
            }
        }
    }
    const report = JSON.stringify({ origin: location.origin, outcomes }, null, 2);
    document.getElementById("results")!.textContent = report;
    await fetch("/results", { method: "POST", headers: { "content-type": "application/json" }, body: report });
}

main().catch(async (error) => {
    await fetch("/results", { method: "POST", body: JSON.stringify({ fatal: describe(error) }) });
});
