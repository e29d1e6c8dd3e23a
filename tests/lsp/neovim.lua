-- Neovim's own LSP client against `jfc lsp` (tests/lsp/neovim.rs runs this headless):
-- open a flow with a broken line, wait for its diagnostics, ask for a completion list
-- and a definition, and write what came back as JSON to $OUT.
-- start_client/buf_attach_client work from Neovim 0.7 (Debian's) on.
local jfc, dir, out = os.getenv('JFC'), os.getenv('DIR'), os.getenv('OUT')
vim.cmd('edit ' .. dir .. '/main.jf')
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ name = 'jfc', cmd = { jfc, 'lsp' }, root_dir = dir })
vim.lsp.buf_attach_client(buf, id)
local client = vim.lsp.get_client_by_id(id)

local found = {}
vim.wait(20000, function()
  found = vim.diagnostic.get(buf)
  return #found > 0
end, 50)

local report = { diagnostics = {} }
for _, d in ipairs(found) do
  local lsp = d.user_data and d.user_data.lsp or {}
  table.insert(report.diagnostics, {
    line = d.lnum,
    col = d.col,
    code = lsp.code or d.code,
    message = d.message,
  })
end

local uri = vim.uri_from_bufnr(buf)
local completion = client.request_sync('textDocument/completion', {
  textDocument = { uri = uri },
  position = { line = 2, character = 0 },
}, 10000, buf)
local items = completion and completion.result or {}
items = items.items or items
report.completion = {}
for _, item in ipairs(items) do
  table.insert(report.completion, item.label)
end

local definition = client.request_sync('textDocument/definition', {
  textDocument = { uri = uri },
  position = { line = 1, character = 6 },
}, 10000, buf)
report.definition = definition and definition.result

local file = io.open(out, 'w')
file:write(vim.fn.json_encode(report))
file:close()
client.stop()
vim.cmd('qa!')
