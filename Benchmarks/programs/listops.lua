-- map / filter / reduce over a 2,000,000-element list, each step calling a function
-- (Lua has no built-in map/filter/reduce, so they are written out as a Lua user would).
local function map(xs, f)
  local out = {}
  for i = 1, #xs do out[i] = f(xs[i]) end
  return out
end

local function filter(xs, f)
  local out, n = {}, 0
  for i = 1, #xs do
    local x = xs[i]
    if f(x) then n = n + 1; out[n] = x end
  end
  return out
end

local function reduce(xs, f, acc)
  for i = 1, #xs do acc = f(acc, xs[i]) end
  return acc
end

local function main()
  local xs = {}
  for i = 1, 2000000 do xs[i] = i - 1 end
  local doubled = map(xs, function(x) return x * 2 end)
  local kept = filter(doubled, function(x) return x % 3 == 0 end)
  local total = reduce(kept, function(a, b) return a + b end, 0)
  print(#kept)
  print(total)
end

main()
