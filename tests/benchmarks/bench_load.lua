-- wrk script of bench_load.py: POST the case detail with the API token, check every answer, report as JSON.
--
-- wrk -s bench_load.lua <url> -- <request body file> <expected answer file> <token> <purpose>
-- Every answer must be 200 with exactly the bytes of the expected one (bench_load.py checked that one's
-- content): a load measured on error pages or partial answers would measure nothing. Each wrk thread counts
-- in its own Lua state; done() adds them up in the main one and prints one line of JSON.

local threads = {}

local function read(path)
  local file = assert(io.open(path, "rb"))
  local content = file:read("*a")
  file:close()
  return content
end

local function json_string(text)
  return '"' .. text:gsub('[%c"\\\128-\255]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = read(args[1])
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[3]
  wrk.headers["X-WildNet-Purpose"] = args[4]
  expected = read(args[2])
  answers, wrong, closed, example = 0, 0, 0, ""
end

function response(status, headers, body)
  answers = answers + 1
  -- FairThreadWorker closes a kept-alive connection while others wait to be accepted; wrk connects again.
  if headers["Connection"] == "close" then
    closed = closed + 1
  end
  if status ~= 200 or body ~= expected then
    wrong = wrong + 1
    if example == "" then
      example = status .. ": " .. body:sub(1, 300)
    end
  end
end

function done(summary, latency, requests)
  local answers, wrong, closed, example = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    answers = answers + thread:get("answers")
    wrong = wrong + thread:get("wrong")
    closed = closed + thread:get("closed")
    if example == "" then
      example = thread:get("example")
    end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "answers": %d, "wrong": %d, "closed": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "example": %s}\n',
    summary.requests, summary.duration / 1e6, answers, wrong, closed,
    errors.connect + errors.read + errors.write, errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, json_string(example)))
end
