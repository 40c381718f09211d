# Build a 3,000,000-character string from 1,000,000 small pieces (collected in a list,
# then joined), then count the non-overlapping occurrences of a substring.
def main():
    pieces = []
    for i in range(1000000):
        pieces.append("ab" + str(i % 10))
    s = "".join(pieces)
    print(len(s))
    print(s.count("b1ab2"))


main()
