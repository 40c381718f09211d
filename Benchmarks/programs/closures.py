# Create 1,000,000 closures, each capturing a different value, then call each once.
def make_adder(n):
    return lambda x: x + n


def main():
    adders = []
    for i in range(1000000):
        adders.append(make_adder(i))
    total = 0
    for f in adders:
        total += f(2)
    print(total)


main()
