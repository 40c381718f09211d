# map / filter / reduce over a 2,000,000-element list, each step calling a lambda.
from functools import reduce


def main():
    xs = list(range(2000000))
    doubled = list(map(lambda x: x * 2, xs))
    kept = list(filter(lambda x: x % 3 == 0, doubled))
    total = reduce(lambda a, b: a + b, kept, 0)
    print(len(kept))
    print(total)


main()
