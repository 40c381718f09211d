# 1,000,000 inserts into a map with string keys, then 1,000,000 lookups summing the values.
def main():
    n = 1000000
    m = {}
    for i in range(n):
        m["k" + str(i)] = i
    total = 0
    for i in range(n):
        total += m["k" + str(i)]
    print(total)


main()
