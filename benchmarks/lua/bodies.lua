-- POSTs JSON bodies read from the file in BENCH_BODIES, one per line, in turn,
-- so that every request can carry its own tokens. "{{n}}" in a body becomes a
-- value unique to the request (for client_message_id and e-mail addresses).
-- done() prints one line, BENCH_RESULT {...}, that benchmarks/bench.py reads.

local path = os.getenv("BENCH_PATH") or "/"
local bodies_file = os.getenv("BENCH_BODIES")
local bodies = {}
for line in io.lines(bodies_file) do
   if #line > 0 then bodies[#bodies + 1] = line end
end

local thread_number = 0
function setup(thread)
   thread_number = thread_number + 1
   thread:set("tid", thread_number)
end

local index = 0
local counter = 0
local prefix = ""

function init(args)
   math.randomseed(os.time() * 1000 + (tid or 0))
   prefix = string.format("%x%x-%d-", os.time(), math.random(1, 2147483647), tid or 0)
   -- Threads start at different places so they do not send the same tokens together.
   index = ((tid or 1) - 1) * 7919 % #bodies
end

function request()
   index = index % #bodies + 1
   counter = counter + 1
   local unique = prefix .. counter
   local body = bodies[index]:gsub("{{n}}", unique)
   return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"mean_us": %.1f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
      '"status_errors": %d, "timeouts": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.mean, summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.status, summary.errors.timeout))
end
