// Bench peer: the official TypeScript MCP SDK (@modelcontextprotocol/sdk, pinned in package.json),
// set up as the SDK's own simpleStatelessStreamableHttp example does: an Express app from
// createMcpExpressApp(), and per POST a fresh McpServer + StreamableHTTPServerTransport with
// sessionIdGenerator undefined (stateless) and enableJsonResponse true (as jsonResponseStreamableHttp).
// The seed's two tools. Env: HOST (default 127.0.0.1), PORT (default 18085). GET /ready answers 200.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import * as z from 'zod/v4';

const getServer = () => {
    const server = new McpServer({ name: 'bench-ts-sdk', version: '1.0.0' });
    server.registerTool(
        'echo',
        { description: 'Echo back the provided message', inputSchema: { message: z.string().describe('Message to echo') } },
        async ({ message }) => ({ content: [{ type: 'text', text: `Echo: ${message}` }] })
    );
    server.registerTool(
        'calculate',
        {
            description: 'Perform basic arithmetic calculation',
            inputSchema: {
                operation: z.enum(['add', 'subtract', 'multiply', 'divide']).describe('Arithmetic operation'),
                a: z.number().describe('First operand'),
                b: z.number().describe('Second operand')
            }
        },
        async ({ operation, a, b }) => {
            let value;
            switch (operation) {
                case 'add': value = a + b; break;
                case 'subtract': value = a - b; break;
                case 'multiply': value = a * b; break;
                case 'divide':
                    if (b === 0) return { content: [{ type: 'text', text: 'Division by zero' }], isError: true };
                    value = a / b;
                    break;
            }
            return { content: [{ type: 'text', text: String(value) }] };
        }
    );
    return server;
};

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 18085);
const app = createMcpExpressApp({ host: HOST });

app.get('/ready', (_req, res) => res.status(200).send('ready'));

app.post('/mcp', async (req, res) => {
    const server = getServer();
    try {
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
        res.on('close', () => {
            transport.close();
            server.close();
        });
    } catch (error) {
        console.error('Error handling MCP request:', error);
        if (!res.headersSent) {
            res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
        }
    }
});

app.listen(PORT, HOST, error => {
    if (error) {
        console.error('Failed to start server:', error);
        process.exit(1);
    }
});
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
