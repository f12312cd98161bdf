package synth

// A frame is a message pattern: one slot after another, each a list of alternatives. A message takes
// one alternative per slot; an empty alternative leaves the slot out.
type frame [][]string

// Shared slot fillers.
var (
	names   = []string{"sam", "mo", "jay", "kev", "daan", "lisa", "noor", "tom", "ricky", "bram", "ayoub", "chris", "sanne", "dex"}
	whenEN  = []string{"", "tonight", "tomorrow", "on friday", "after the match", "this weekend", "before sunday", "at 9", "after dark"}
	whenNL  = []string{"", "vannacht", "morgen", "vrijdag", "na de wedstrijd", "dit weekend", "om 9 uur"}
	laughEN = []string{"lol", "haha", "😂", "jk", "hahaha", "lmao"}
	laughNL = []string{"haha", "grapje", "😂", "hahaha"}
)

// openers and closers wrap a message in the filler of informal chat.
var (
	openers = []string{"", "", "", "", "", "yo", "bro", "listen", "ok so", "hey", "man", "btw"}
	closers = []string{"", "", "", "", "", "!!", "...", "ok?", "fr", "👀", "🙏", "😂", "!", "?"}
)

// frames holds, per kind and language, the patterns messages of that kind are drawn from. Signal
// words (dead, sleep, dolls, pop off, disappear; dood, slapen, poppen, afknallen, verdwijnen) occur
// in threats, drug talk, harmless messages and jokes alike, so only their context tells the classes
// apart; some threats use no signal word at all.
var frames = [numKinds][numLanguages][]frame{
	threat: {
		english: {
			{{"you will", "you're gonna", "u will", "you'll"},
				{"sleep forever", "sleep with the fishes", "be dead", "end up dead", "disappear", "leave in a body bag", "never wake up"},
				{"if you talk to the cops", "if the money isn't there by friday", "if you show your face here again", "when we find you", "if you snitch", "if you come near her again"}},
			{{"tell", "warn", "remind"}, names,
				{"he is dead", "he will disappear", "he'll sleep forever", "he's gonna get popped off", "he won't see the summer", "we pop him off"},
				{"", "if he snitches", "if he doesn't pay", "if he talks", "when he gets out"}},
			{{"the dolls", "both dolls", "the two dolls", "those dolls"},
				{"disappear", "go in the river", "go to sleep for good", "have to disappear", "get buried"}, whenEN,
				{"", ", bring the van", ", no witnesses", ", bring tape", ", clean up after"}},
			{{"bring the gun", "bring a knife", "get the piece", "load the car"},
				{", he has to pop off", ", he has to disappear", ", he dies", ", we finish him", ", this ends"}, whenEN},
			{{"i know where you live", "we know where your kids sleep", "we know your address", "i saw your mother today"},
				{", you are dead", ", sleep well", ", next time you disappear", ", watch your back", ", count your days"}},
			{{"i will", "we will", "gonna", "i swear i'll"}, {"kill", "shoot", "stab", "bury", "end"},
				{"you", "him", "your brother", "that snitch", "her"}, whenEN},
			{{"we know where your mother lives", "you won't see christmas", "your family will pay for this", "say goodbye to your kids", "nobody will ever find you", "you have until friday, then it's over", "last warning"},
				{"", ", i'm serious", ", no more chances", ", trust me", ", remember that"}},
		},
		dutch: {
			{{"jij gaat", "je gaat", "jullie gaan"}, {"dood", "voor altijd slapen", "verdwijnen", "eraan"},
				{"als je met de politie praat", "als het geld er vrijdag niet is", "als we je vinden", "als je nog een keer komt"}},
			{{"zeg tegen", "waarschuw"}, names, {"dat hij dood is", "dat hij gaat verdwijnen", "dat we hem afknallen", "dat hij gaat slapen"},
				{"", "als hij praat", "als hij niet betaalt"}},
			{{"de poppen", "die twee poppen", "die poppen"}, {"moeten verdwijnen", "gaan slapen", "gaan het water in"}, whenNL,
				{"", ", neem de bus mee", ", geen getuigen"}},
			{{"we gaan hem", "ik ga hem", "ze gaan hem"}, {"afknallen", "doodmaken", "laten verdwijnen", "omleggen", "koud maken"}, whenNL},
			{{"we weten waar je moeder woont", "je ziet kerst niet meer", "niemand gaat je vinden", "laatste waarschuwing"},
				{"", ", ik meen het", ", geen kansen meer"}},
		},
	},
	threatDrugs: {
		english: {
			{{"pay for the coke", "where is my money for the pills", "you owe me for the green", "pay for the 2 grams"},
				{"or you're dead", "or you disappear", "by friday or i shoot", "or you sleep forever", "or we come for your family"}},
		},
		dutch: {
			{{"betaal de coke", "waar is mijn geld voor de pillen", "je bent me nog geld schuldig voor de wiet"},
				{"of je bent dood", "of je verdwijnt", "anders gaan we je afknallen"}},
		},
	},
	drugs: {
		english: {
			{{"got", "have", "can get", "selling"}, {"two grams", "an ounce", "10 pills", "a bag", "half a key", "5 caps"},
				{"of the white", "of coke", "of molly", "of the green", "of ket", "of mdma"},
				{"", ", same price as last time", ", 50 each", ", for the party", ", cash only"}},
			{{"need some", "who has", "anyone got", "looking for"}, {"pills", "molly", "snow", "green", "xtc", "coke", "ket"},
				{"for the party on saturday", "for tonight", "asap", "for the festival"}},
			{{"the stuff", "the package", "the green", "the new batch", "the white"}, {"is in", "arrived", "landed", "is ready"},
				{"", ", 10 a bag", ", come pick up", ", usual price"}},
			{{"bring the stuff", "drop the package", "leave the bag"}, {"at the usual spot", "behind the station", "at my cousin's"}, whenEN},
			{{"this batch", "this pill", "the new stuff", "that ket"},
				{"will make you sleep like a baby", "hits so hard you're dead for hours", "makes the party pop off", "makes your worries disappear", "knocked me dead"},
				{"", ", 20 a pop", ", trust me"}},
		},
		dutch: {
			{{"heb je nog", "wie heeft er", "iemand nog"}, {"wit", "pillen", "wiet", "snuif", "keta"}, {"voor vanavond", "voor het feest", "voor zaterdag"}},
			{{"de spullen", "het pakketje", "de wiet"}, {"liggen klaar", "is binnen", "is er"}, {"", ", 2 gram is 100", ", kom maar halen"}},
			{{"die pillen", "dat spul"}, {"laten je slapen als een baby", "laten je zorgen verdwijnen", "knallen echt"}, {"", ", echt waar"}},
		},
	},
	harmless: {
		english: {
			{{"i'm", "im", "i am", "so"}, {"dead tired", "dead", "literally dead", "dying"},
				{"after work", "after that run", "after the gym", "from this week", "lol"}},
			{{"my phone", "my battery", "the car battery", "the laptop", "my tablet"}, {"is dead", "died", "is dead again", "just died"},
				{"", ", call the landline", ", text me later", ", charging now"}},
			{{"going to", "gonna", "off to", "time to"}, {"sleep", "bed, need sleep", "sleep early"},
				{"", ", night night", ", see you tomorrow", ", early shift tomorrow", ", sleep well x"}},
			{{"i could", "need to", "want to"}, {"sleep for"}, {"a week", "days", "12 hours", "a year"}},
			{{"my daughter", "my niece", "my cousin", "my little sister"}, {"wants new dolls", "loves her dolls", "lost her dolls", "plays with her dolls"},
				{"for her birthday", "at the park", "again", "all day"}},
			{{"we shoot", "they shoot", "we're shooting", "gonna shoot"}, {"the wedding video", "the photos", "the music clip", "some hoops"}, whenEN},
			{{"magic trick:", "watch", "lol"}, {"the coin", "my salary", "the cake", "my motivation", "the snow"},
				{"disappears", "disappeared", "just disappeared"}, {"", "again", "in seconds"}},
			{{"the plants", "my tomatoes", "the basil", "the goldfish"}, {"are dead", "died", "is dead"}, {"", ", forgot to water them", ", rip"}},
			{{"the party", "the crowd", "the club", "the group chat"}, {"is gonna pop off", "popped off", "will pop off"}, {"", "tonight", "last night", "fr"}},
			{{"this traffic", "this meeting", "monday", "these shoes"}, {"is killing me", "is dead boring", "will be the death of me"}, {"", "lol", "ugh"}},
			{{"did you sleep", "how did you sleep", "couldn't sleep", "slept"}, {"well", "at all", "last night", "badly"}, {"", "?"}},
			{{"bring the knife", "where's the big knife", "grab a knife"}, {"for the cake", "to cut the bread", "for the bbq"}},
			{{"the band", "the team", names[0], names[5]}, {"killed it", "shot to the top", "was dead good"}, whenEN},
		},
		dutch: {
			{{"ik ben", "ik ben echt", "ben"}, {"dood op", "doodmoe", "bijna dood van de hitte"}, {"na het werk", "haha", "vandaag"}},
			{{"mijn telefoon", "mijn batterij", "de accu"}, {"is dood", "is weer dood"}, {"", ", bel me later"}},
			{{"ik ga", "ga nu", "tijd om te"}, {"slapen"}, {"", ", welterusten", ", tot morgen", ", moet vroeg op"}},
			{{"mijn dochter", "mijn nichtje", "de kinderen"}, {"wil nieuwe poppen", "speelt met haar poppen", "is haar poppen kwijt"}, {"", "voor haar verjaardag", "weer"}},
			{{"we gaan", "ze gaan", "de buren gaan"}, {"vuurwerk afknallen", "het vuurwerk afknallen"}, {"met oud en nieuw", "vannacht", "om 12 uur"}},
			{{"mijn geld", "de taart", "de zon", "mijn motivatie"}, {"lijkt te verdwijnen", "gaat verdwijnen", "is verdwenen"}, {"", "haha", "achter de wolken"}},
		},
	},
	joke: {
		english: {
			{{"i'll kill you", "you're dead", "i will murder you", "you're so dead", "i'll make you disappear"},
				{"if you spoil the ending", "if you eat my fries", "if you're late again", "for posting that pic", "if you tell mum"}, laughEN},
		},
		dutch: {
			{{"ik maak je dood", "je bent dood", "ik laat je verdwijnen"}, {"als je het einde verklapt", "als je mijn patat opeet", "als je weer te laat bent"}, laughNL},
		},
	},
	ordinary: {
		english: {
			{{"see you", "meet you", "pick you up"}, {"at lunch", "at the station", "after work", "at 8", "at the gym"}},
			{{"did you get", "can you grab", "don't forget"}, {"the tickets", "milk & bread", "the keys", "my charger", "the receipt"}, {"", "?", "pls"}},
			{{"running late", "stuck in traffic", "on my way"}, {"", ", 10 minutes", ", 5 min", ", sorry"}},
			{{"happy birthday"}, names, {"!!", "🎉", "<3"}},
			{{"what time is", "where is", "how much is"}, {"the train tomorrow", "the party", "the dinner", "the match"}, {"?"}},
			{{`he wrote "<b>urgent</b>" | *again* in the group chat`}, {"", "lol", "smh"}},
			{{"ok", "okay", "sure", "yes"}, {"<3", "👍", "thanks", "see you"}},
		},
		dutch: {
			{{"zie je", "tot"}, {"morgen", "straks", "zaterdag"}},
			{{"ben er over", "ik ben er over"}, {"5 min", "10 minuten", "een kwartier"}},
			{{"heb je", "vergeet niet"}, {"de sleutels", "de kaartjes", "brood"}, {"", "?"}},
		},
	},
}
