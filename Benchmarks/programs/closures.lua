-- Create 1,000,000 closures, each capturing a different value, then call each once.
local function make_adder(n)
  return function(x) return x + n end
end

local function main()
  local adders = {}
  for i = 0, 1000000 - 1 do
    adders[#adders + 1] = make_adder(i)
  end
  local sum = 0
  for _, f in ipairs(adders) do
    sum = sum + f(2)
  end
  print(sum)
end

main()
