-- A tight integer loop: 20,000,000 iterations of multiply, modulo, add.
local function main()
  local sum = 0
  for i = 0, 20000000 - 1 do
    sum = sum + i * i % 7
  end
  print(sum)
end

main()
