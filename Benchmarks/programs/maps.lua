-- 1,000,000 inserts into a map with string keys, then 1,000,000 lookups summing the values.
local function main()
  local n = 1000000
  local m = {}
  for i = 0, n - 1 do
    m["k" .. i] = i
  end
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + m["k" .. i]
  end
  print(sum)
end

main()
